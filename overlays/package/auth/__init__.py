"""Authentication: the OAuth 2.0 login, token stores, and the refresh that never loses a token."""

from sage_accounting._token import Token
from sage_accounting.auth._flow import SageAuth, TokenManager
from sage_accounting.auth._oauth import OAuth2Flow
from sage_accounting.auth._store import FileTokenStore, MemoryTokenStore, TokenStore
from sage_accounting.errors import LoginError, TokenRefreshError, TokenSaveError, TokenStoreError

__all__ = [
    "FileTokenStore",
    "LoginError",
    "MemoryTokenStore",
    "OAuth2Flow",
    "SageAuth",
    "Token",
    "TokenManager",
    "TokenRefreshError",
    "TokenSaveError",
    "TokenStore",
    "TokenStoreError",
]
