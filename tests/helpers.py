"""Small helpers shared by fakepai's own tests."""
from __future__ import annotations

from fakepai.catalog import default_catalog


def assert_valid_response(product: str, action: str, body: dict) -> None:
    """The body conforms to the operation's response schema (closed objects: no unknown fields)."""
    op = default_catalog().get(product, action)
    assert op is not None, f"no schema for {product} {action}"
    errors = sorted(op.response_validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{product} {action} response violates its schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


def assert_error(response, status: int, code: str) -> dict:
    """An error in the DESIGN §3 shape, with x-acs-request-id matching the body."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["Code"] == code, body
    assert body["Message"] and body["RequestId"] and body["HostId"]
    assert response.headers["x-acs-request-id"] == body["RequestId"]
    return body


def sdk_error(call):
    """The TeaException (ClientException / ServerException) an official-SDK call raises."""
    import pytest
    from Tea.exceptions import TeaException

    with pytest.raises(TeaException) as info:
        call()
    return info.value
