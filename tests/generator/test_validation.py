"""Step 4: the patched spec must be valid OpenAPI 3; a spec that passed is not checked again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from generator.validation import Validation, validate_once

VALID: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Small", "version": "1"},
    "paths": {"/ping": {"get": {"responses": {"200": {"description": "pong"}}}}},
}
INVALID: dict[str, Any] = {**VALID, "info": {"title": "no version"}}


def test_an_invalid_spec_fails_with_the_validators_error(tmp_path: Path) -> None:
    running = Validation(INVALID, cache_dir=tmp_path)  # in a child process
    with pytest.raises(OpenAPIValidationError, match="version"):
        running.wait()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OpenAPIValidationError):
        validate_once(INVALID, cache_dir=tmp_path)


def test_a_spec_that_passed_is_known_valid_next_time(tmp_path: Path) -> None:
    first = Validation(VALID, cache_dir=tmp_path)
    assert not first.cached
    first.wait()
    assert Validation(VALID, cache_dir=tmp_path).cached

    changed = {**VALID, "info": {"title": "Small", "version": "2"}}
    assert not Validation(changed, cache_dir=tmp_path, background=False).cached


def test_without_a_cache_every_run_validates(tmp_path: Path) -> None:
    validate_once(VALID, cache_dir=None)
    assert not Validation(VALID, cache_dir=None).cached
    with pytest.raises(OpenAPIValidationError):
        Validation(INVALID, cache_dir=None).wait()
