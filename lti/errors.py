"""Named errors of the lti package.

Every error the package raises is an ``LtiError``. pylti1p3's ``LtiException`` and
``OIDCException`` never leave the package: ``lti.launch`` turns them into ``LaunchError`` with a
reason code. Messages name reason codes, ids, URLs and HTTP statuses only, never tokens, names or
e-mail addresses, so they can be logged as they are.
"""

from __future__ import annotations


class LtiError(Exception):
    """Base class of every error raised by the lti package."""


class LaunchError(LtiError):
    """Raised when a login initiation or a launch is refused.

    The web layer answers 400 with a short page ("start again from your course") and logs
    ``reason_code``; the message carries detail for the log, never personal data.

    Reason codes:
        * request: ``missing_id_token``, ``missing_state``, ``not_a_jwt``, ``malformed_token``
        * login initiation: ``missing_iss``, ``missing_login_hint``,
          ``missing_target_link_uri``, ``target_link_uri_foreign``, ``unknown_deployment``,
          ``missing_redirect_uri``
        * OIDC state: ``unknown_state`` (unknown, expired or never issued),
          ``state_cookie_missing`` (third-party cookies blocked and no platform storage
          proof), ``state_mismatch``, ``storage_not_offered`` (``browser_state`` for a login
          that offered no platform storage), ``storage_proof_invalid`` (without, or with a
          spent or foreign, one-time proof of our storage page), ``storage_foreign_origin``
          (``browser_state`` posted by a page that is not ours)
        * registration: ``unknown_registration``, ``registration_pending`` (pending or
          disabled), ``registration_incomplete`` (no key set)
        * audience: ``wrong_iss``, ``missing_aud``, ``wrong_aud``, ``missing_azp``, ``wrong_azp``
        * signature: ``missing_kid``, ``missing_alg``, ``unknown_kid``, ``bad_signature``,
          ``wrong_alg``, ``bad_platform_key``, ``key_set_unavailable``, ``bad_key_set_url``,
          ``bad_token``
        * time: ``bad_iat`` (missing, not a number, in the future), ``missing_exp``,
          ``expired``, ``bad_exp``, ``token_too_old``, ``missing_claim``
        * nonce: ``missing_nonce``, ``unknown_nonce``, ``nonce_mismatch``, ``nonce_reused``
        * message: ``missing_version``, ``wrong_version``, ``missing_message_type``,
          ``wrong_message_type``, ``unsupported_message_type``, ``missing_sub``, ``bad_sub``
          (not a string, or over 255 characters), ``missing_roles``, ``bad_roles``,
          ``bad_claim``, ``missing_context_id`` (a context claim without id),
          ``bad_context_id``, ``bad_resource_link_id`` (not text of at most 255 characters),
          ``bad_custom`` (a custom parameter that is not short text),
          ``missing_deployment_id``, ``unknown_deployment``, ``missing_resource_link_id``,
          ``missing_deep_linking_settings``, ``missing_deep_link_return_url``,
          ``deep_link_return_url_foreign`` (not http(s) on a host of the registration),
          ``deep_linking_without_resource_links``, ``deep_linking_without_targets``
        * deep linking response: ``not_deep_linking``, ``too_many_items``
        * anything pylti1p3 reports that is not listed: ``invalid_launch``

    Attributes:
        reason_code: Stable machine-readable reason, e.g. ``"missing_kid"``, ``"nonce_reused"``.
    """

    def __init__(self, reason_code: str, message: str | None = None):
        self.reason_code = reason_code
        self.message = message or reason_code
        super().__init__(f"{reason_code}: {self.message}" if message else reason_code)


class BusyError(LtiError):
    """Raised when too many logins wait for their launch (per registration or in total).

    Anyone may send a login initiation, and each one stores state until its launch or expiry;
    the cap keeps that table bounded. The web layer answers 503 with a Dutch page.
    """


class KeyStoreError(LtiError):
    """Raised when the tool's key folder is missing, empty or unreadable."""


class ServiceError(LtiError):
    """Base of errors from the platform's web services (token endpoint, AGS, NRPS).

    Attributes:
        status: HTTP status of the platform's answer, or ``None`` (timeout, refused connection).
    """

    def __init__(self, message: str, status: int | None = None):
        self.status = status
        super().__init__(message)


class AgsError(ServiceError):
    """Raised when the platform's Assignment and Grade Services refuse or fail a request."""


class ScoreConflictError(AgsError):
    """Raised when the platform answers 409 to a score (Moodle: same or older timestamp)."""


class NotGradableError(AgsError):
    """Raised when the platform answers 400 to a score (Moodle: the user is not gradable)."""


class NrpsError(ServiceError):
    """Raised when the platform's Names and Role Provisioning Service refuses or fails."""


class RegistrationError(LtiError):
    """Raised when LTI Dynamic Registration with a platform cannot be completed."""
