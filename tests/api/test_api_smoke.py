from tests.support.graphql import data


def test_session_roundtrip(gql):
    created = data(gql.execute('mutation { createImportSession(input: {storageDirectory: "D"}) { id status } }'))
    assert created["createImportSession"]["status"] == "IN_PROGRESS"
