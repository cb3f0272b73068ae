import pytest
from django.core.exceptions import ValidationError

from core.validators import credit_code_check_char, validate_credit_code


def test_known_valid_code_passes():
    validate_credit_code("91350100M000100Y43")
    validate_credit_code("91350100m000100y43")  # lower case is accepted and normalised by models


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91350100M000100Y44", "credit_code_check"),
        ("91350100M000100Y4", "credit_code_length"),
        ("", "credit_code_length"),
        ("91350100M000100YI3", "credit_code_chars"),  # I is not in the charset
    ],
)
def test_invalid_codes_are_refused_with_a_specific_reason(code, error_code):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == error_code


def test_check_char_of_known_code():
    assert credit_code_check_char("91350100M000100Y4") == "3"
