"""`digitoets secrets`: secrets at rest (LRS passwords, LTI private keys)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti.keys import reencrypt
from service import crypto
from service.cli.common import current_database, current_settings
from service.operations.secrets import reencrypt_secrets

secrets_cli = AppGroup("secrets", help="Secrets at rest: LRS passwords and the LTI private keys.")


@secrets_cli.command("re-encrypt")
def re_encrypt() -> None:
    """Encrypt every stored secret with the newest DIGITOETS_ENCRYPTION_KEY (after an upgrade or a new key).

    LRS passwords, registration numbers, PE-online keys and the LTI key files: values written
    before encryption, or with an older key that is still listed, are written again; after that
    the older key may be removed from the setting.
    """
    with current_database().begin() as session:
        counts = reencrypt_secrets(session)
    files = reencrypt(current_settings().resolved_lti_key_path, crypto.box())
    for table, count in counts.items():
        click.echo(f"{table}: {count} values re-encrypted")
    click.echo(f"LTI key files: {files} re-encrypted")
