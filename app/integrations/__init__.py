"""Back-office integrations: OCDS import and export, directory CSV import, DC1/DC4 drafts, webhooks."""
