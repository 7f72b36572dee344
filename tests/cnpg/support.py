"""Helpers shared by the CNPG tests (plain Python)."""

from __future__ import annotations

import re
from typing import Any, Iterator

#: Values a credential field may hold: a Terraform reference, an ESO template, a Flux variable.
_ALLOWED_SECRET_VALUE = re.compile(r"^(\$\{var\.[a-z0-9_]+\}|\$\$?\{[A-Z0-9_]+\}|\{\{ \.[A-Za-z_]+ \}\})$")
#: Keys whose values are credentials wherever they appear.
SECRET_KEYS = {"password", "ACCESS_KEY_ID", "ACCESS_SECRET_KEY", "access_key_id", "secret_access_key"}
#: Strings our tests feed in as "the secret": none may ever appear in an output.
SENTINELS = ("hunter2", "AKIAEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG")


def walk(obj: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, obj


def literal_secrets(obj: Any) -> list[str]:
    """Paths of credential-looking fields whose value is not a reference/template/variable."""
    bad = []
    for path, value in walk(obj):
        key = re.split(r"[.\[]", path)[-1]
        if key in SECRET_KEYS and isinstance(value, str) and not _ALLOWED_SECRET_VALUE.match(value):
            # the ExternalSecret's remoteRef.property / secretKey name the field, they are not values
            if not re.search(r"(remoteRef\.property|secretKey)$", path):
                bad.append(f"{path}={value!r}")
    return bad
