"""xAPI for Digitoets: statements from plain event records, and a client to send them.

No database and no imports from ``service``, ``lti`` or ``mappings``: frozen dataclasses
(``xapi.events``) go in, statement dicts come out (``xapi.statements``), and ``xapi.client``
delivers them to an LRS. ``xapi.vocabulary`` holds the IRIs and renders our xAPI Profile.
"""
