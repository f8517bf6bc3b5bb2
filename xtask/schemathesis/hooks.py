"""Schemathesis hooks for `cargo xtask ci` and `cargo xtask faults` (loaded through
SCHEMATHESIS_HOOKS by xtask/src/hostile.rs).

- Generated printer addresses never reach a real host or device: the print worker would
  connect to `tcp://<anything>` or write ESC/POS bytes to `/dev/<anything>`. Every string
  `address` in a request body becomes a closed loopback port, so the box only ever fails to
  print to 127.0.0.1:9.
- The run's own owner keeps its credentials, role and active flag: a generated
  `PATCH /staff/{own id}` with a new password or PIN would end the run's session (by design)
  and turn the rest of the run into 401s. Its other fields are still sent.
"""

import os

import schemathesis

LOOPBACK_PRINTER = "tcp://127.0.0.1:9"
SELF_ID = os.environ.get("COMANDA_SCHEMATHESIS_SELF_ID", "")
KEPT_OFF_SELF = ("password", "pin", "role", "active")


def _confine(value):
    if isinstance(value, dict):
        return {
            key: LOOPBACK_PRINTER if key == "address" and isinstance(item, str) else _confine(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_confine(item) for item in value]
    return value


def _targets_self(case):
    return (
        case.operation.path == "/api/v1/staff/{id}"
        and case.method.upper() == "PATCH"
        and str((case.path_parameters or {}).get("id", "")) == SELF_ID
    )


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if isinstance(case.body, (dict, list)):
        case.body = _confine(case.body)
    if isinstance(case.body, dict) and _targets_self(case):
        case.body = {key: item for key, item in case.body.items() if key not in KEPT_OFF_SELF}
