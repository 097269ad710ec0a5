"""Typed settings read once from ``DIGITOETS_*`` environment variables.

``Settings.from_env`` fails at start-up with the variable's name, so a misconfigured
deployment never half-starts. Tests build ``Settings(...)`` directly.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from email.headerregistry import Address
from email.utils import parseaddr
from urllib.parse import urlsplit

from service.errors import ConfigurationError

PREFIX = "DIGITOETS_"
ENVIRONMENTS = ("development", "production", "testing")
SUPPORTED_DATABASES = ("sqlite", "postgresql+psycopg")
#: how the SMTP connection is secured: STARTTLS after connecting, TLS from the start, or plain (loopback relays only)
SMTP_SECURITY = ("starttls", "ssl", "none")
SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment.

    Every field is documented in the README and ``deploy/env.example``.
    """

    env: str = "development"
    instance_path: Path = field(default_factory=lambda: Path("instance").resolve())
    database_url: str | None = None  # None: SQLite file in the instance folder
    secret_key: str | None = None  # None in development: generated once, kept in the instance folder
    base_url: str = "http://127.0.0.1:5000"
    content_path: Path | None = None  # None: the starter content shipped in mappings/content
    lrs_endpoint: str | None = None
    lrs_username: str | None = None
    lrs_password: str | None = field(default=None, repr=False)
    lrs_timeout: float = 10.0
    lti_key_path: Path | None = None  # None: <instance>/lti-keys
    dev_login: bool = False
    #: the mail server; unset host: mails wait in the outbox (the admin sees how many)
    smtp_host: str | None = None
    smtp_port: int | None = None  # None: 587 for starttls, 465 for ssl, 25 for none
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_security: str = "starttls"
    smtp_from: str | None = None  # required with a host: 'Digitoets <noreply@zorg.example>'
    smtp_timeout: float = 10.0
    default_locale: str = "nl"
    log_level: str = "INFO"
    #: log format: "json" (one JSON object per line, for log collectors) or "text"; None: json in production
    log_format: str | None = None
    #: seconds to wait for a database connection (also from the pool) before a request gets the 503 page;
    #: a database that hangs (a network black hole) must not hold a worker for gunicorn's 30 s
    db_connect_timeout: float = 5.0
    #: seconds one SQL statement may run (PostgreSQL statement_timeout and tcp_user_timeout)
    db_statement_timeout: float = 15.0
    #: how many reverse proxies in front add X-Forwarded-For (nginx: 1). Their header then gives the
    #: client's address (rate limits count per client); 0: the header is ignored (a client could forge it)
    proxy_hops: int = 0
    #: bearer token Prometheus sends to /metrics; None: only direct requests from this machine
    metrics_token: str | None = field(default=None, repr=False)
    #: a signed-in session ends after this many minutes without a request (shared ward computers)
    session_idle_minutes: int = 30
    #: and after this many hours in any case, active or not
    session_max_hours: int = 12
    #: the worker recomputes the HR dashboard's stored figures at most this often (minutes), when something changed
    hr_figures_minutes: int = 10
    #: where Flask-Limiter counts requests, shared by all workers. None: memory:// in development and
    #: testing, the local Redis (redis://127.0.0.1:6379) in production, where memory:// is refused
    ratelimit_storage_uri: str | None = None
    #: logins (anyone may start one) waiting for their launch, per registration and in total
    lti_pending_logins_per_registration: int = 1000
    lti_pending_logins_total: int = 10000
    #: Fernet keys for secrets at rest (LRS passwords, LTI private keys), comma-separated, newest
    #: first (older ones still decrypt: rotation); or a file holding them. Required in production;
    #: in development and tests one is generated once in the instance folder.
    encryption_key: str | None = field(default=None, repr=False)
    encryption_key_file: Path | None = None
    #: let LRS endpoints and dynamic registration reach http and internal (private, loopback,
    #: link-local) addresses; None: only in development and testing
    allow_internal_targets: bool | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from the environment.

        Raises:
            ConfigurationError: naming the variable that is missing or wrong.
        """
        env = os.environ if environ is None else environ
        from_files = _secrets_from_files(env)

        def get(name: str) -> str | None:
            if name in from_files:
                return from_files[name]
            value = env.get(PREFIX + name)
            return value.strip() if value is not None and value.strip() != "" else None

        kwargs: dict = {}
        if (value := get("ENV")) is not None:
            kwargs["env"] = value
        if (value := get("INSTANCE_PATH")) is not None:
            kwargs["instance_path"] = Path(value).resolve()
        for name, attr in (
            ("DATABASE_URL", "database_url"),
            ("SECRET_KEY", "secret_key"),
            ("BASE_URL", "base_url"),
            ("LRS_ENDPOINT", "lrs_endpoint"),
            ("LRS_USERNAME", "lrs_username"),
            ("LRS_PASSWORD", "lrs_password"),
            ("LOG_LEVEL", "log_level"),
            ("DEFAULT_LOCALE", "default_locale"),
            ("RATELIMIT_STORAGE_URI", "ratelimit_storage_uri"),
            ("SMTP_HOST", "smtp_host"),
            ("SMTP_USERNAME", "smtp_username"),
            ("SMTP_PASSWORD", "smtp_password"),
            ("SMTP_SECURITY", "smtp_security"),
            ("SMTP_FROM", "smtp_from"),
            ("ENCRYPTION_KEY", "encryption_key"),
            ("METRICS_TOKEN", "metrics_token"),
        ):
            if (value := get(name)) is not None:
                kwargs[attr] = value
        for name, attr in (("CONTENT_PATH", "content_path"), ("LTI_KEY_PATH", "lti_key_path"),
                           ("ENCRYPTION_KEY_FILE", "encryption_key_file")):
            if (value := get(name)) is not None:
                kwargs[attr] = Path(value).resolve()
        for name, attr in (("LRS_TIMEOUT", "lrs_timeout"), ("DB_CONNECT_TIMEOUT", "db_connect_timeout"),
                           ("DB_STATEMENT_TIMEOUT", "db_statement_timeout")):
            if (value := get(name)) is not None:
                try:
                    kwargs[attr] = float(value)
                except ValueError:
                    raise ConfigurationError(f"{PREFIX}{name} must be a number of seconds, got {value!r}") from None
                if not 0 < kwargs[attr] <= 3600:
                    raise ConfigurationError(f"{PREFIX}{name} must be more than 0 and at most 3600 seconds, got {value!r}")
        if (value := get("LOG_FORMAT")) is not None:
            if value not in ("json", "text"):
                raise ConfigurationError(f"{PREFIX}LOG_FORMAT must be json or text, got {value!r}")
            kwargs["log_format"] = value
        kwargs.update(_smtp_numbers_and_secret(get, kwargs))
        if (value := get("ALLOW_INTERNAL_TARGETS")) is not None:
            if value not in ("0", "1"):
                raise ConfigurationError(f"{PREFIX}ALLOW_INTERNAL_TARGETS must be 0 or 1, got {value!r}")
            kwargs["allow_internal_targets"] = value == "1"
        for name, attr in (("SESSION_IDLE_MINUTES", "session_idle_minutes"), ("SESSION_MAX_HOURS", "session_max_hours"),
                           ("LTI_PENDING_LOGINS_PER_REGISTRATION", "lti_pending_logins_per_registration"),
                           ("LTI_PENDING_LOGINS_TOTAL", "lti_pending_logins_total"), ("PROXY_HOPS", "proxy_hops"),
                           ("HR_FIGURES_MINUTES", "hr_figures_minutes")):
            if (value := get(name)) is not None:
                if not value.isdigit():
                    raise ConfigurationError(f"{PREFIX}{name} must be a whole number, got {value!r}")
                kwargs[attr] = int(value)
        if (value := get("DEV_LOGIN")) is not None:
            if value not in ("0", "1"):
                raise ConfigurationError(f"{PREFIX}DEV_LOGIN must be 0 or 1, got {value!r}")
            kwargs["dev_login"] = value == "1"
        settings = cls(**kwargs)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Check the combination of values.

        Raises:
            ConfigurationError: naming the variable that is wrong.
        """
        if self.env not in ENVIRONMENTS:
            raise ConfigurationError(f"{PREFIX}ENV must be one of {', '.join(ENVIRONMENTS)}, got {self.env!r}")
        if self.env == "production" and not self.secret_key:
            raise ConfigurationError(f"{PREFIX}SECRET_KEY is required when {PREFIX}ENV=production")
        if self.env == "production" and self.dev_login:
            raise ConfigurationError(f"{PREFIX}DEV_LOGIN=1 is refused when {PREFIX}ENV=production")
        if self.env == "production" and urlsplit(self.base_url).scheme != "https":
            # Over http the session cookie loses Secure (and SameSite=None), and HSTS cannot apply.
            raise ConfigurationError(
                f"{PREFIX}BASE_URL must be an https:// URL when {PREFIX}ENV=production, got {self.base_url!r}"
            )
        if self.secret_key is not None and len(self.secret_key) < 32:
            raise ConfigurationError(f"{PREFIX}SECRET_KEY must be at least 32 characters long")
        if self.database_url is not None:
            scheme = self.database_url.split("://", 1)[0]
            if "://" not in self.database_url or scheme not in SUPPORTED_DATABASES:
                raise ConfigurationError(
                    f"{PREFIX}DATABASE_URL must start with sqlite:// or postgresql+psycopg://, got scheme {scheme!r}"
                )
        for name, url in (("BASE_URL", self.base_url), ("LRS_ENDPOINT", self.lrs_endpoint)):
            if url is not None:
                parts = urlsplit(url)
                if parts.scheme not in ("http", "https") or not parts.netloc:
                    raise ConfigurationError(f"{PREFIX}{name} must be an http(s) URL, got {url!r}")
        if self.lti_pending_logins_per_registration < 1 or self.lti_pending_logins_total < 1:
            raise ConfigurationError(f"{PREFIX}LTI_PENDING_LOGINS_PER_REGISTRATION and _TOTAL must be at least 1")
        if self.env == "production" and self.resolved_ratelimit_storage_uri.startswith("memory://"):
            # each gunicorn worker would count on its own: the limit would be workers times higher
            raise ConfigurationError(
                f"{PREFIX}RATELIMIT_STORAGE_URI must name storage shared by all workers (e.g. redis://127.0.0.1:6379) "
                f"when {PREFIX}ENV=production")
        if self.session_idle_minutes < 1:
            raise ConfigurationError(f"{PREFIX}SESSION_IDLE_MINUTES must be at least 1")
        if not 1 <= self.hr_figures_minutes <= 30:
            raise ConfigurationError(f"{PREFIX}HR_FIGURES_MINUTES must be between 1 and 30")
        if not 1 <= self.session_max_hours <= 24 * 31:
            raise ConfigurationError(f"{PREFIX}SESSION_MAX_HOURS must be between 1 and {24 * 31}")
        if self.lrs_timeout <= 0:
            raise ConfigurationError(f"{PREFIX}LRS_TIMEOUT must be more than 0 seconds")
        if self.default_locale not in ("nl", "en"):
            raise ConfigurationError(f"{PREFIX}DEFAULT_LOCALE must be nl or en, got {self.default_locale!r}")
        self._validate_smtp()

    def _validate_smtp(self) -> None:
        if self.smtp_security not in SMTP_SECURITY:
            raise ConfigurationError(
                f"{PREFIX}SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, got {self.smtp_security!r}"
            )
        if self.smtp_port is not None and not 0 < self.smtp_port < 65536:
            raise ConfigurationError(f"{PREFIX}SMTP_PORT must be a port number (1-65535), got {self.smtp_port}")
        if self.smtp_timeout <= 0:
            raise ConfigurationError(f"{PREFIX}SMTP_TIMEOUT must be more than 0 seconds")
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ConfigurationError(f"{PREFIX}SMTP_USERNAME and {PREFIX}SMTP_PASSWORD (or _FILE) go together")
        if self.smtp_from is not None and not _is_address(self.smtp_from):
            raise ConfigurationError(
                f"{PREFIX}SMTP_FROM must be an e-mail address, like 'Digitoets <noreply@zorg.example>', got {self.smtp_from!r}"
            )
        if self.smtp_host is None:
            return
        if self.smtp_from is None:
            raise ConfigurationError(f"{PREFIX}SMTP_FROM is required when {PREFIX}SMTP_HOST is set")
        if self.env == "production" and self.smtp_security == "none" and self.smtp_host not in ("localhost", "127.0.0.1", "::1"):
            # plain SMTP only to a relay on the same machine; anything else would send passwords and mail in clear
            raise ConfigurationError(
                f"{PREFIX}SMTP_SECURITY=none is refused in production unless {PREFIX}SMTP_HOST is localhost"
            )

    @property
    def mail_configured(self) -> bool:
        """True when mails can be sent; otherwise they wait in the outbox."""
        return self.smtp_host is not None

    @property
    def resolved_smtp_port(self) -> int:
        return self.smtp_port or SMTP_DEFAULT_PORTS[self.smtp_security]

    @property
    def resolved_ratelimit_storage_uri(self) -> str:
        if self.ratelimit_storage_uri:
            return self.ratelimit_storage_uri
        return "redis://127.0.0.1:6379" if self.env == "production" else "memory://"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the instance folder."""
        return self.database_url or f"sqlite:///{self.instance_path / 'digitoets.sqlite3'}"

    @property
    def resolved_content_path(self) -> Path:
        return self.content_path or Path(__file__).resolve().parent.parent / "mappings" / "content"

    @property
    def resolved_lti_key_path(self) -> Path:
        return self.lti_key_path or self.instance_path / "lti-keys"

    def resolved_secret_key(self) -> str:
        """The secret key; in development one is generated once and kept in the instance folder."""
        if self.secret_key:
            return self.secret_key
        if self.env == "production":  # validate() already refuses this; keep the guard local too
            raise ConfigurationError(f"{PREFIX}SECRET_KEY is required when {PREFIX}ENV=production")
        path = self.instance_path / "secret_key"
        if not path.exists():
            self.instance_path.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()


    @property
    def internal_targets_allowed(self) -> bool:
        """May outbound requests (LRS, dynamic registration) go to http or internal addresses?"""
        if self.allow_internal_targets is not None:
            return self.allow_internal_targets
        return self.env in ("development", "testing")

    def resolved_encryption_keys(self) -> list[str]:
        """The Fernet keys, newest first: from the setting, its file, or (not in production) the instance folder.

        Raises:
            ConfigurationError: in production without a key, or when the key file cannot be read.
        """
        if self.encryption_key:
            return [k.strip() for k in self.encryption_key.split(",") if k.strip()]
        if self.encryption_key_file is not None:
            try:
                text = self.encryption_key_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigurationError(f"{PREFIX}ENCRYPTION_KEY_FILE cannot be read: {exc.strerror}") from None
            return [k.strip() for k in text.replace("\n", ",").split(",") if k.strip()]
        if self.env == "production":
            raise ConfigurationError(
                f"{PREFIX}ENCRYPTION_KEY or {PREFIX}ENCRYPTION_KEY_FILE is required when {PREFIX}ENV=production")
        path = self.instance_path / "encryption_key"
        if not path.exists():
            self.instance_path.mkdir(parents=True, exist_ok=True)
            # Fernet.generate_key(): 32 random bytes, url-safe base64
            path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"), encoding="utf-8")
            path.chmod(0o600)
        return [path.read_text(encoding="utf-8").strip()]


def _is_address(value: str) -> bool:
    """True for 'name@domain' or 'Name <name@domain>' (one address, a domain with a dot or localhost)."""
    _, address = parseaddr(value)
    if not address or address.count("@") != 1:
        return False
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError):
        return False
    return bool(parsed.username) and ("." in parsed.domain or parsed.domain == "localhost")


def _smtp_numbers_and_secret(get, kwargs: dict) -> dict:
    """SMTP_PORT and SMTP_TIMEOUT (SMTP_PASSWORD_FILE is read with the other secret files)."""
    values: dict = {}
    if (value := get("SMTP_PORT")) is not None:
        if not value.isdigit():
            raise ConfigurationError(f"{PREFIX}SMTP_PORT must be a port number, got {value!r}")
        values["smtp_port"] = int(value)
    if (value := get("SMTP_TIMEOUT")) is not None:
        try:
            values["smtp_timeout"] = float(value)
        except ValueError:
            raise ConfigurationError(f"{PREFIX}SMTP_TIMEOUT must be a number of seconds, got {value!r}") from None
    return values


#: secrets that may also come from a file, DIGITOETS_<NAME>_FILE, as Kubernetes and compose mount them
#: (ENCRYPTION_KEY_FILE is a setting of its own: several keys, read when the keys are needed)
FILE_SECRETS = ("SECRET_KEY", "DATABASE_URL", "LRS_USERNAME", "LRS_PASSWORD", "SMTP_USERNAME", "SMTP_PASSWORD",
                "RATELIMIT_STORAGE_URI", "METRICS_TOKEN")


def _secrets_from_files(env: Mapping[str, str]) -> dict[str, str]:
    """The values of the ``DIGITOETS_<NAME>_FILE`` variables that are set, read from their files.

    Raises:
        ConfigurationError: a variable set together with its ``_FILE``, or a file that cannot be read or is empty.
    """

    def given(name: str) -> str | None:
        value = env.get(PREFIX + name)
        return value.strip() if value is not None and value.strip() != "" else None

    values: dict[str, str] = {}
    for name in (*FILE_SECRETS, "ENCRYPTION_KEY"):
        path = given(name + "_FILE")
        if path is None:
            continue
        if given(name) is not None:
            raise ConfigurationError(f"set {PREFIX}{name} or {PREFIX}{name}_FILE, not both")
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"{PREFIX}{name}_FILE cannot be read ({path}): {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigurationError(f"{PREFIX}{name}_FILE is not a UTF-8 text file ({path})") from None
        if not text:
            raise ConfigurationError(f"{PREFIX}{name}_FILE is empty ({path})")
        if name in FILE_SECRETS:  # ENCRYPTION_KEY_FILE stays a path: checked here, read by resolved_encryption_keys
            values[name] = text
    return values
