"""The application factory and the environment-driven configuration."""

import pytest

from config import Config, ConfigError, TestingConfig
from kb import create_app


def test_testing_config_uses_given_database_and_index(tmp_path):
    config = TestingConfig("sqlite:///" + str(tmp_path / "x.sqlite3"), str(tmp_path / "idx"))
    app = create_app(config)
    assert app.config["TESTING"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite3")
    assert app.config["INDEX_DIR"] == str(tmp_path / "idx")


def test_environment_variables_configure_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_ENV", "development")
    monkeypatch.setenv("KB_DATABASE_URL", "sqlite:///" + str(tmp_path / "env.sqlite3"))
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "env-index"))
    monkeypatch.setenv("KB_SECRET_KEY", "from-the-environment")
    config = Config()
    assert config.SQLALCHEMY_DATABASE_URI.endswith("env.sqlite3")
    assert config.INDEX_DIR == str(tmp_path / "env-index")
    assert config.SECRET_KEY == "from-the-environment"
    assert config.SESSION_COOKIE_SECURE is False


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.setenv("KB_ENV", "production")
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        Config()


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("KB_ENV", "production")
    monkeypatch.setenv("KB_SECRET_KEY", "x" * 32)
    config = Config()
    assert config.SESSION_COOKIE_SECURE and config.SESSION_COOKIE_HTTPONLY
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


def test_development_secret_key_is_made_once_and_kept(monkeypatch, tmp_path):
    import config as config_module

    monkeypatch.setenv("KB_ENV", "development")
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    first = Config().SECRET_KEY
    assert (tmp_path / "secret_key").exists()
    assert Config().SECRET_KEY == first and len(first) >= 32


def test_security_headers_on_every_response(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_error_pages_are_french(client):
    response = client.get("/cette-page-n-existe-pas")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)
    api = client.get("/api/v1/nulle-part")
    assert api.status_code == 404 and api.is_json and api.json["status"] == 404


def test_unexpected_errors_give_a_french_500(app):
    @app.route("/_boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    assert "Erreur inattendue" in response.get_data(as_text=True)
