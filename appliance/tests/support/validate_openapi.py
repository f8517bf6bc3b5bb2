"""Validates an OpenAPI 3.1 document with openapi-spec-validator (PyPI).

Usage: validate_openapi.py FILE. Exit 0 and print "valid", or exit 1 with the first error.
Exit 3 when the validator is not installed (the Rust test decides what that means).
"""
import json
import sys

try:
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate
except ImportError:
    sys.exit(3)

with open(sys.argv[1], encoding="utf-8") as f:
    document = json.load(f)
try:
    validate(document, cls=OpenAPIV31SpecValidator)
except Exception as error:  # the validator's own exception types vary by version
    print(str(error).splitlines()[0], file=sys.stderr)
    sys.exit(1)
print("valid")
