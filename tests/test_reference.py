from app.reference import is_cpv
from solver.reference import sector_slugs


def test_sector_vocabulary_has_the_154_sectors_of_the_directory() -> None:
    slugs = sector_slugs()
    assert len(slugs) == 154
    assert "peinture-revetement-des-murs" in slugs


def test_cpv_codes_accept_check_digit_or_short_form() -> None:
    assert is_cpv("45442110-1")
    assert is_cpv("45442110")
    assert not is_cpv("45442110-2")
    assert not is_cpv("99999999")
