import socket
import tempfile
from pathlib import Path

import psycopg2
import redis

from core import embedded


def test_embedded_services_start_from_a_cold_data_folder():
    # Not pytest's tmp_path: run as root, pgserver hands the folder to a `pgserver` user and
    # opens up its parents, but pytest keeps re-closing /tmp/pytest-of-<user> (mode 0700)
    # whenever another xdist worker sets up its temp dir.
    with (
        tempfile.TemporaryDirectory(prefix="qg-embedded-") as folder,
        embedded.services(Path(folder), environ={}) as env,
    ):
        tmp_path = Path(folder)
        url = env["DATABASE_URL"]
        assert str(tmp_path.name) in url
        import environ

        config = environ.Env.db_url_config(url)
        with (
            psycopg2.connect(
                dbname=config["NAME"], user=config["USER"], **config["OPTIONS"]
            ) as conn,
            conn.cursor() as cur,
        ):
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
        client = redis.Redis.from_url(env["REDIS_URL"])
        assert client.ping()
        port = int(env["REDIS_URL"].rsplit(":", 1)[1].split("/")[0])
    # Both stopped when the block ends.
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_external_urls_are_left_alone(tmp_path):
    given = {"DATABASE_URL": "postgres://db.example/x", "REDIS_URL": "redis://r.example/0"}
    with embedded.services(tmp_path, environ=given) as env:
        assert env["DATABASE_URL"] == given["DATABASE_URL"]
        assert env["REDIS_URL"] == given["REDIS_URL"]
    assert not (tmp_path / "pg").exists()
