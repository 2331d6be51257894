"""planner: the service that plans consortia of social enterprises answering public tenders."""
