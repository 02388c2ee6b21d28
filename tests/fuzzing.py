"""How the schemathesis suites load our OpenAPI document."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig

# Every input schema refuses text with NUL characters (422 naming the field, see
# marketplace/web/schema.py and tests/api/test_nul_characters.py). The document cannot
# say so field by field, so data the fuzzer generates as valid must not contain them: else
# it reports the 422 as "a schema-valid request rejected".
CONFIG = SchemathesisConfig.from_dict({"generation": {"allow-x00": False}})


def load_openapi(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=CONFIG)
