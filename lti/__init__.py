"""LTI 1.3 / Advantage for Digitoets: pylti1p3 adapters that return plain frozen dataclasses.

Modules: ``registration`` (dataclasses and the store Protocols the service implements),
``tool_conf`` and ``storage`` (pylti1p3 over those stores), ``key_sets`` (platform key sets, in
memory and in the store, fetched once per TTL by all workers), ``keys`` (the tool's key folder),
``launch`` (``oidc_login``, ``validate_launch``, ``find_launch``), ``claims`` (``LaunchContext``,
``tool_roles``), ``deep_linking``, ``services`` (AGS and NRPS clients for background jobs),
``dynamic_registration`` and ``errors``. The package never imports ``service``, ``xapi`` or
``mappings`` and knows no database, Flask app or session.
"""
