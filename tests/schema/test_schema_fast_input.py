"""What schema/fast_input.py relies on in Strawberry, pinned: an upgrade that changes it fails here."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from imalink.resolvers.imports.submission import BatchSubmission, ImageSubmission, PhotoGroupSubmission
from imalink.schema.build import build_schema
from imalink.schema.imports.inputs import BatchImportInput, ImageInput, PhotoGroupInput
from imalink.schema.scalars import SCALARS

PAIRS = ((BatchImportInput, BatchSubmission), (PhotoGroupInput, PhotoGroupSubmission), (ImageInput, ImageSubmission))
VALUE = {  # as graphql-core hands it over: GraphQL names, defaults of omitted fields filled in
    "importSessionId": 7,
    "photoGroups": [
        {
            "hothash": None, "hotpreview": "/9j/", "coldpreview": None, "width": 150, "height": None,
            "title": "Dawn", "description": None, "tags": ["Iceland"], "rating": 4, "userRotation": None,
            "importSessionId": None,
            "images": [
                {"filename": "IMG_1.JPG", "hothash": None, "fileSize": 2**40, "exifData": "RXhpZgAA",
                 "importSessionId": 3, "contentHash": "ab" * 32},
                {"filename": "IMG_1.CR2", "hothash": None, "fileSize": None, "exifData": None,
                 "importSessionId": None, "contentHash": None},
            ],
        }
    ],
}


def convert(value: dict) -> object:
    registry = build_schema().schema_converter.scalar_registry
    return convert_argument(value, BatchImportInput, registry, StrawberryConfig(scalar_map=SCALARS))


@contextmanager
def strawberrys_own_conversion():
    saved = [(cls, cls.__strawberry_definition__.from_input) for cls, _ in PAIRS]
    try:
        for cls, _ in saved:
            cls.__strawberry_definition__.from_input = None
        yield
    finally:
        for cls, hook in saved:
            cls.__strawberry_definition__.from_input = hook


def as_fields(value: object) -> object:
    """Any of the objects as nested plain data, so Strawberry's and ours compare."""
    if isinstance(value, list):
        return [as_fields(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: as_fields(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def test_the_hook_exists_and_builds_the_service_values():
    assert "from_input" in {f.name for f in dataclasses.fields(StrawberryObjectDefinition)}
    built = convert(VALUE)
    assert isinstance(built, BatchSubmission)
    assert isinstance(built.photo_groups[0], PhotoGroupSubmission)
    assert all(isinstance(image, ImageSubmission) for image in built.photo_groups[0].images)


def test_the_fast_path_gives_exactly_what_strawberry_gives():
    with strawberrys_own_conversion():
        theirs = convert(VALUE)
    assert isinstance(theirs, BatchImportInput)
    assert as_fields(convert(VALUE)) == as_fields(theirs)


def test_every_input_field_has_its_service_field():
    for graphql_input, submission in PAIRS:
        names = {f.python_name for f in graphql_input.__strawberry_definition__.fields}
        assert names == {f.name for f in dataclasses.fields(submission)}, graphql_input.__name__


def test_lists_are_copied_not_shared_between_requests():
    built = convert(VALUE)
    assert built.photo_groups[0].tags == ["Iceland"]
    assert built.photo_groups[0].tags is not VALUE["photoGroups"][0]["tags"]
