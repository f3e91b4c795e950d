import pytest
from django.core.exceptions import ValidationError

from applications import uscc
from applications.models import Organization
from tests.factories import OrganizationFactory

VALID = ["91350100M000100Y43", "91110108551385082Q", "91110000600037341L", "91512081MA62K0260E"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_from_the_standard_and_domain_notes(code):
    assert uscc.is_valid(code)


def test_check_character_of_the_standards_worked_example():
    assert uscc.check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", ["91350100M000100Y4Z", "91350100M000100Y44", "91110108551385082R"])
def test_wrong_check_character_is_refused(code):
    with pytest.raises(ValidationError) as exc:
        uscc.validate_uscc(code)
    assert exc.value.code in {"checksum", "charset"}


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_outside_the_alphabet_are_refused(letter):
    code = "9135010" + letter + "M000100Y43"
    with pytest.raises(ValidationError) as exc:
        uscc.validate_uscc(code[:18])
    assert exc.value.code == "charset"
    assert letter in exc.value.message % exc.value.params


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y433", "91350100M000100Y4"])
def test_wrong_length_is_refused(code):
    with pytest.raises(ValidationError) as exc:
        uscc.validate_uscc(code)
    assert exc.value.code == "length"


def test_region_code_must_be_digits():
    body = "9135A100M000100Y4"
    with pytest.raises(ValidationError) as exc:
        uscc.validate_uscc(body + uscc.check_character(body))
    assert exc.value.code == "region"


@pytest.mark.parametrize(
    "raw",
    [
        "９１３５０１００Ｍ０００１００Ｙ４３",
        " 9135 0100 m000 100y43 ",
        "91350100m000100y43",
        "9135\u30000100M000100Y43",
    ],
)
def test_full_width_spaces_and_case_are_normalised(raw):
    assert uscc.normalize(raw) == "91350100M000100Y43"
    assert uscc.is_valid(raw)


@pytest.mark.django_db
def test_organization_stores_the_normalised_code_and_keeps_it_unique():
    org = OrganizationFactory(credit_code="９１３５０１００ｍ０００１００ｙ４３")
    org.refresh_from_db()
    assert org.credit_code == "91350100M000100Y43"
    duplicate = Organization(name="另一家", credit_code=" 91350100m000100y43")
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "credit_code" in exc.value.message_dict


@pytest.mark.django_db
def test_organization_with_an_invalid_code_does_not_validate():
    with pytest.raises(ValidationError) as exc:
        Organization(name="坏代码", credit_code="91350100M000100Y4Z").full_clean()
    assert "credit_code" in exc.value.message_dict
