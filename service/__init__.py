"""Digitoets: the Flask service. ``create_app`` is wiring only."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from service import logs
from service.config import Settings
from service.db import EXTENSION, Database, make_engine

__all__ = ["EXTENSION", "create_app"]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Flask:
    """Build the Flask app from ``settings`` (default: ``Settings.from_env()``).

    ``database`` lets tests hand in a Database bound to a connection they roll back.

    Raises:
        ConfigurationError: when the environment is incomplete or wrong.
    """
    settings = settings or Settings.from_env()
    settings.validate()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        TESTING=settings.env == "testing",
        DIGITOETS_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        # Inside an LMS iframe the session cookie is a third-party cookie: on https it must be
        # SameSite=None; Secure; Partitioned (CHIPS) or Chrome and Safari drop it.
        SESSION_COOKIE_SAMESITE="None" if settings.base_url.startswith("https://") else "Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        SESSION_COOKIE_PARTITIONED=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,  # a test may take a while; the token lives as long as the session
        # No form or launch of ours comes near 1 MiB (an LTI id_token is a few kB); a larger body
        # gets our 413 page before anything reads it.
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    if settings.proxy_hops:
        # behind nginx or an Ingress, gunicorn's REMOTE_ADDR is the proxy: every employee would share
        # one rate-limit budget. The trusted proxies' X-Forwarded-For gives the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=0, x_host=0)
    logs.configure(settings)  # once, before Flask first touches app.logger (it would add a handler of its own)
    from service import crypto

    crypto.use(crypto.SecretBox(settings.resolved_encryption_keys()))  # LRS passwords and LTI keys at rest
    if database is None:
        url = settings.resolved_database_url
        database = Database(url, engine=make_engine(url, connect_timeout=settings.db_connect_timeout,
                                                    statement_timeout=settings.db_statement_timeout))
    database.configure(base_url=settings.base_url)
    app.extensions[EXTENSION] = database

    from service.lti_tool import EXTENSION as LTI_EXTENSION
    from service.lti_tool import LtiTool
    from service.web import (accreditation, admin, metrics, coach, coach_overview, coach_sessions, dev, employee, errors, health,
                             help, hr, hr_campaigns, hr_goals, hr_import, hr_people, i18n, input_guard, lti,
                             my_accreditation, privacy, ratelimit, security, sessions, teacher, templating, verify, xapi_profile)

    app.extensions[LTI_EXTENSION] = LtiTool.build(settings, database)

    logs.init_app(app)  # first: every later hook and view logs with the request id
    metrics.init_app(app)
    errors.init_app(app)
    input_guard.init_app(app)  # before any blueprint: its <int:...> converter bounds every id in the routes
    i18n.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    templating.init_app(app)
    blueprints = (
        health, xapi_profile, employee, help, admin, privacy, lti, teacher,  # employee, admin and LMS
        coach, coach_sessions, coach_overview,  # digicoaches
        hr_import, hr, hr_people, hr_goals, hr_campaigns,  # HR and managers
        my_accreditation, accreditation, verify,  # accreditation
    )
    for module in blueprints:
        app.register_blueprint(module.bp)
    if settings.dev_login:
        app.register_blueprint(dev.bp)
    if settings.dev_login and settings.env != "production":
        from service.web import demo_lms  # the demo LMS at /dev/lms (needs the dev dependency lti1p3platform)

        demo_lms.init_app(app)
    ratelimit.init_app(app)  # after every blueprint: it wraps views by endpoint

    from service import cli

    cli.init_app(app)
    return app
