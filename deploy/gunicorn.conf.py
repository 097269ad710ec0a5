"""Gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'service:create_app()'`.

Gunicorn comes with the project's production extra: `pip install '.[production]'`.

Launch state lives in the database, so any worker can finish any LTI launch.
"""

import multiprocessing

bind = "127.0.0.1:8000"  # behind a TLS-terminating proxy: LMSs fetch our JWKS over HTTPS on 443
workers = max(2, multiprocessing.cpu_count())
timeout = 30
accesslog = "-"
forwarded_allow_ips = "127.0.0.1"
