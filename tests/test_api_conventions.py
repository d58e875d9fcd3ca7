"""What every API answer has in common, as a mobile client relies on it: error bodies, the schema."""

from django.core.exceptions import ValidationError

from socialnet.api import exception_handler


def test_a_service_error_of_no_one_field_is_400_under_non_field_errors_like_drf_own():
    response = exception_handler(ValidationError("The password is not correct."), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["The password is not correct."]}


def test_a_service_error_per_field_is_400_with_a_list_of_messages_per_field():
    response = exception_handler(ValidationError({"name": ["Too long.", "Taken."]}), {})
    assert response.status_code == 400
    assert response.data == {"name": ["Too long.", "Taken."]}
