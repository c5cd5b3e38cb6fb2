"""The ``imalink serve`` command as a user runs it: a real process on a real port."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from tests.support.server import free_port


def wait_for(url: str, process: subprocess.Popen, seconds: float = 90) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "server exited"
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def serve(args: list[str], env: dict[str, str], cwd) -> subprocess.Popen:
    command = [sys.executable, "-m", "imalink.cli", "serve", *args]
    return subprocess.Popen(command, cwd=cwd, env={**os.environ, **env}, stderr=subprocess.PIPE)


def test_serve_creates_the_default_sqlite_library_in_wal_mode(tmp_path):
    port = free_port()
    env = {"PYTHONPATH": os.getcwd()}
    process = serve(["--port", str(port)], env, tmp_path)
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz", process)
        assert health.json() == {"status": "ok", "database": "sqlite"}
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ photos { totalCount } }"})
        assert answer.json() == {"data": {"photos": {"totalCount": 0}}}
    finally:
        process.terminate()
        process.wait(timeout=10)
    library = tmp_path / "imalink.db"
    assert library.exists()
    import sqlite3

    with sqlite3.connect(library) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_serve_reads_its_settings_from_the_environment(tmp_path):
    port = free_port()
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    env = {"PYTHONPATH": os.getcwd(), "IMALINK_DATABASE_URL": url, "IMALINK_PORT": str(port)}
    process = serve([], env, tmp_path)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "elsewhere.db").exists() and not (tmp_path / "imalink.db").exists()


def test_serve_with_several_workers_migrates_once_and_answers(tmp_path):
    port = free_port()
    process = serve(["--port", str(port), "--workers", "2"], {"PYTHONPATH": os.getcwd()}, tmp_path)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process).status_code == 200
        for _ in range(4):  # whichever worker answers, it serves the same library
            answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ photos { totalCount } }"})
            assert answer.json() == {"data": {"photos": {"totalCount": 0}}}
    finally:
        process.terminate()
        process.wait(timeout=20)


def _imalink(args: list[str], cwd, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imalink.cli", *args], cwd=cwd, input=stdin, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()}, timeout=120,
    )


def test_serving_beyond_loopback_needs_a_user_and_says_how_to_add_one(tmp_path):
    port = str(free_port())
    refused = _imalink(["serve", "--host", "0.0.0.0", "--port", port], tmp_path)
    assert refused.returncode == 2
    assert "imalink user add" in refused.stderr and "127.0.0.1" in refused.stderr
    # The password comes from stdin (or a prompt), never from the command line.
    added = _imalink(["user", "add", "Anna"], tmp_path, stdin="correct horse battery\n")
    assert added.returncode == 0, added.stderr
    assert "anna, an admin" in added.stderr and "correct horse" not in added.stderr + added.stdout
    assert _imalink(["user", "add", "bob"], tmp_path, stdin="short\n").returncode == 1  # under 8 characters
    assert _imalink(["user", "list"], tmp_path).stdout.splitlines() == ["anna  (admin)"]
    assert _imalink(["user", "password", "anna"], tmp_path, stdin="another good password\n").returncode == 0
    process = serve(["--host", "0.0.0.0", "--port", port], {"PYTHONPATH": os.getcwd()}, tmp_path)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process).status_code == 200
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ photos { totalCount } }"}).json()
        assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        signed_in = httpx.post(f"http://127.0.0.1:{port}/graphql", json={
            "query": 'mutation { signIn(input: {username: "anna", password: "another good password"}) { user { isAdmin } } }'})
        assert signed_in.json() == {"data": {"signIn": {"user": {"isAdmin": True}}}}
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_without_users_thumbnails_stop_for_anonymous_requests_the_moment_the_first_user_exists(tmp_path):
    """A server without accounts answers loopback requests without credentials; from the first user
    on it must refuse them at once, in whichever worker process answers (each asks the library)."""
    from tests.api.importing import group, open_session, send
    from tests.support.graphql import HttpGraphQL
    from tests.support.media import distinct_jpegs, sha256

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(["--port", str(port), "--workers", "2"], {"PYTHONPATH": os.getcwd()}, tmp_path)
    try:
        assert wait_for(f"{base}/healthz", process).status_code == 200
        local = HttpGraphQL(base)
        previews = distinct_jpegs(2, "first-user")
        send(local, [group(previews[0], "A.JPG"), group(previews[1], "B.JPG")], open_session(local))
        urls = [f"{base}/hotpreview/{sha256(p)}.jpg" for p in previews]

        def statuses() -> set[int]:
            # A new connection each time, so that both workers answer some of them.
            return {httpx.get(urls[i % 2], headers={"Connection": "close"}).status_code for i in range(16)}

        assert statuses() == {200}
        assert httpx.get(urls[0], headers={"Host": "photos.example.org"}).status_code == 401  # not at loopback
        created = local.execute('mutation { createUser(input: {username: "anna", password: "correct horse battery"}) { username } }')
        assert created == {"data": {"createUser": {"username": "anna"}}}
        assert statuses() == {401}
        assert local.execute("{ photos { totalCount } }")["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_user_added_by_the_command_stops_anonymous_thumbnails_of_a_running_server(tmp_path):
    from tests.api.importing import group, open_session, send
    from tests.support.graphql import HttpGraphQL
    from tests.support.media import distinct_jpegs, sha256

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(["--port", str(port)], {"PYTHONPATH": os.getcwd()}, tmp_path)
    try:
        assert wait_for(f"{base}/healthz", process).status_code == 200
        local = HttpGraphQL(base)
        preview = distinct_jpegs(1, "cli-user")[0]
        send(local, [group(preview, "A.JPG")], open_session(local))
        url = f"{base}/hotpreview/{sha256(preview)}.jpg"
        assert [httpx.get(url).status_code for _ in range(3)] == [200] * 3
        added = _imalink(["user", "add", "anna"], tmp_path, stdin="correct horse battery\n")
        assert added.returncode == 0, added.stderr
        assert httpx.get(url).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=20)
