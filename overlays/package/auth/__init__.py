"""Authentication: the OAuth 2.0 login, token stores, and the refresh that never loses a token."""

from .._token import Token
from ..errors import LoginError, TokenRefreshError, TokenSaveError, TokenStoreError
from ._flow import SageAuth, TokenManager
from ._oauth import OAuth2Flow
from ._store import FileTokenStore, MemoryTokenStore, TokenStore

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
