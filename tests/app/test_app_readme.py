"""The README's GraphiQL examples run as pasted."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.graphql import data

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_examples_run_as_pasted(gql):
    blocks = re.findall(r"```(graphql|json)\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    session, batch, variables, page = (text for _, text in blocks[:4])
    assert data(gql.execute(session))["createImportSession"]["id"] == 1
    imported = data(gql.execute(batch, json.loads(variables)))["importBatch"]
    assert imported["results"][0]["status"] == "CREATED"
    listed = data(gql.execute(page))["photos"]
    assert listed["totalCount"] == 1
    assert [i["filename"] for i in listed["edges"][0]["node"]["images"]] == ["IMG_0001.JPG", "IMG_0001.CR2"]


def test_every_setting_is_in_the_configuration_table():
    from imalink.settings import Settings

    table = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in Settings.model_fields if f"`IMALINK_{name.upper()}`" not in table]
    assert not missing, f"README's Configuration table lacks {missing}"


def test_readme_lists_every_code_of_the_enums():
    from imalink.db.enums import SessionStatus
    from imalink.resolvers.errors import ErrorCode
    from imalink.resolvers.imports import GroupStatus, ImportProblemCode

    text = README.read_text(encoding="utf-8")
    missing = [f"{enum.__name__}.{code}" for enum in (ErrorCode, ImportProblemCode, GroupStatus, SessionStatus)
               for code in enum if f"`{code}`" not in text]
    assert not missing, f"README.md does not list {missing}"
