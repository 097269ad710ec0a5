"""The LTI tool of this deployment, built once in ``create_app``: keys, ToolConf, stores, clients."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from lti.errors import KeyStoreError
from lti.key_sets import KeySetCache
from lti.keys import KeyFolder, ensure_key
from lti.launch import PendingLimits
from lti.registration import Registration
from lti.service_client import TokenCache
from lti.services import AgsClient, NrpsClient
from lti.tool_conf import ToolConf
from service import crypto
from service.config import Settings
from service.db import Database
from service.errors import ConfigurationError
from service.lti_stores import (DbLaunchStateStore, DbRegistrationStore, SessionLaunchStateStore,
                                SessionRegistrationStore, bound_store)

#: where create_app keeps the LtiTool
EXTENSION = "digitoets.lti"


@dataclass
class LtiTool:
    """What every LTI view, job and command needs, made once per process."""

    keys: KeyFolder
    tool_conf: ToolConf
    store: DbLaunchStateStore
    allowed_hosts: frozenset[str]
    base_url: str
    timeout: float = 10.0
    pending_limits: PendingLimits = field(default_factory=PendingLimits)
    token_cache: TokenCache = field(default_factory=TokenCache)
    #: platform key sets, in this process's memory (and in the database for every worker)
    key_sets: KeySetCache = field(default_factory=KeySetCache)

    @classmethod
    def build(cls, settings: Settings, database: Database) -> LtiTool:
        folder = settings.resolved_lti_key_path
        try:
            # A new install signs from its first request: without a key /lti/login could not work.
            # Later keys come from `digitoets lti rotate-keys`.
            ensure_key(folder, crypto.box())  # private keys encrypted at rest
        except KeyStoreError as exc:
            raise ConfigurationError(f"DIGITOETS_LTI_KEY_PATH: {exc}") from exc
        keys = KeyFolder(folder, crypto.box())
        return cls(
            keys=keys,
            tool_conf=ToolConf(DbRegistrationStore(database), keys),
            store=DbLaunchStateStore(database),
            allowed_hosts=frozenset({urlsplit(settings.base_url).netloc}),
            base_url=settings.base_url.rstrip("/"),
            timeout=settings.lrs_timeout,
            pending_limits=PendingLimits(settings.lti_pending_logins_per_registration, settings.lti_pending_logins_total),
        )

    @contextmanager
    def request_scope(self, session: Session, *, purge: bool = False) -> Iterator[RequestTool]:
        """The tool for one login or launch, inside ``session``'s transaction.

        Registrations are read once, launch state is read in one query and written in one
        INSERT when the block ends; with ``purge`` (every login) a batch of expired rows is
        deleted then too. Calls to ``self.store`` in the block (one-time links) join this
        transaction. When the block raises, nothing is written.
        """
        store = SessionLaunchStateStore(session, purge=purge)
        with bound_store(store):
            yield RequestTool(tool_conf=ToolConf(SessionRegistrationStore(session), self.keys), store=store)
            store.flush()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def ags(self, registration: Registration) -> AgsClient:
        return AgsClient(registration, self.keys, timeout=self.timeout, token_cache=self.token_cache)

    def nrps(self, registration: Registration) -> NrpsClient:
        return NrpsClient(registration, self.keys, timeout=self.timeout, token_cache=self.token_cache)


@dataclass(frozen=True)
class RequestTool:
    """The ToolConf and launch state store of one request (``LtiTool.request_scope``)."""

    tool_conf: ToolConf
    store: SessionLaunchStateStore
