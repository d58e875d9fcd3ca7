from communities.tests.conftest import fast_password_hashing  # noqa: F401  (autouse fixture shared with communities)
