"""Password hashing: Argon2id (等保 third level asks for a current, memory-hard algorithm).

Django's Argon2PasswordHasher with the parameters OWASP's Password Storage Cheat Sheet gives as the
minimum for Argon2id: 19 MiB of memory, two passes, one lane. Django's own defaults (100 MiB, two passes,
eight lanes) take about 0.4 s per hash on a two-core server, which alone would exceed the 300 ms a login
may take (`benchmarks/bench_login.py`); with these a hash takes about 60 ms. Stored hashes carry their
parameters, so raising them later only needs a change here: each hash is redone at its user's next login.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
