"""Demo LMS (development only): a course page that is a real LTI 1.3 platform for this tool.

``make run`` turns it on (``DIGITOETS_DEV_LOGIN=1``): ``/dev/lms`` shows the course "Digitaal
werken in de zorg" of the demo organisation. Each button is a placement or an action of a
platform, and launches the tool the way Moodle does, in the browser and with nothing faked:

1. the course page holds the third-party login initiation form (iss, login_hint,
   lti_message_hint, target_link_uri, client_id, lti_deployment_id), posted to ``/lti/login``;
2. the tool answers with the OIDC authorization request: a redirect to ``/dev/lms/auth``;
3. ``/dev/lms/auth`` checks that request, builds the id_token with lti1p3platform (roles, a
   stable ``sub`` per demo person, name, email, course, placement, custom parameters, AGS or
   deep linking claims), signs it with the platform's own RSA key and auto-posts it to
   ``/lti/launch``, where the tool validates it like any other launch.

A teacher's "add a test" is an ``LtiDeepLinkingRequest``; the tool's answer comes back to
``/dev/lms/deep-linking-return``, which verifies the JWT with the tool's key set. Scores that
the worker (``digitoets xapi forward --loop``, started by ``make run``) or ``digitoets lti
send-scores`` delivers (AGS, client credentials at ``/dev/lms/token``) land in a small gradebook
file and show on the course page.

The platform's key lives in ``<instance>/demo-lms-key.pem`` (made once, never in the
repository). On first use the platform registers itself for the demo organisation with its key
set stored on the registration, so the tool never calls itself over HTTP during a launch.
lti1p3platform is a development dependency: without it this blueprint is not registered.

Modules: ``platform`` (the platform: key, people, its registration in the tool), ``views``
(course page, OIDC authorization endpoint, deep linking return) and ``ags`` (token endpoint and
gradebook).
"""

from __future__ import annotations

import logging

from flask import Flask, abort

from service.web import current_settings
from service.web.demo_lms import platform
from service.web.demo_lms.platform import PREFIX, bp

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the demo LMS when lti1p3platform (a development dependency) is installed."""
    if platform.PlatformRegistration is None:  # looked up here, so a test can take it away
        logger.info("Demo LMS (%s) is off: lti1p3platform is not installed (pip install -e '.[dev]')", PREFIX)
        return
    from service.web.demo_lms import ags, views  # noqa: F401 - their routes join bp

    app.register_blueprint(bp)


@bp.before_request
def _only_when_enabled():
    settings = current_settings()
    if not settings.dev_login or settings.env == "production":
        abort(404)
