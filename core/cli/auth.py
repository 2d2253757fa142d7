"""Commands login, logout, whoami and config: sign-in and the app's settings (secrets go to the keyring)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from typing import Any

from core.auth import Account, AccountRegistry, LogoutResult, login, logout
from core.auth.login import DEFAULT_TIMEOUT_S, app_secret_store, secret_store
from core.auth.store import Storage
from core.cli import argtypes
from core.config import SETTINGS_BY_NAME, SETTINGS_DEFAULTS, data_dir, load_settings, save_settings
from core.context import AppContext
from core.distribution import built_in_credentials
from core.errors import EXIT_AUTH, EXIT_OK, InputError

SECRET_SETTINGS = {"client_secret", "access_token", "refresh_token"}
SECRET_PLACES = {Storage.KEYRING: "OS keyring", Storage.PLAINTEXT: "plain-text file", Storage.MEMORY: "memory"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("login", help="sign in to TikTok in your browser")
    p.add_argument(
        "--timeout",
        type=argtypes.seconds(0.1, 86400),
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help="seconds to wait (300)",
    )
    p.add_argument(
        "--port",
        type=argtypes.port,
        default=None,
        metavar="N",
        help="loopback port for the redirect (default: setting, else any)",
    )
    p.set_defaults(func=cmd_login)

    p = sub.add_parser("logout", help="sign out: revoke at TikTok and delete the tokens here")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--account", metavar="OPEN_ID", help="which account (default: the default account)")
    which.add_argument("--all", action="store_true", help="every signed-in account")
    p.set_defaults(func=cmd_logout)

    p = sub.add_parser("whoami", help="show the signed-in accounts, permissions and token expiry")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_whoami)

    p = sub.add_parser("config", help="show or change settings (client key, secret, redirect port, ...)")
    csub = p.add_subparsers(dest="config_command", metavar="ACTION")
    c = csub.add_parser("show", help="show the settings (the secret only as set / not set)")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("set", help="set a setting: " + ", ".join(sorted(SETTINGS_DEFAULTS)))
    c.add_argument("key")
    c.add_argument("value")
    c = csub.add_parser("unset", help="reset a setting to its default")
    c.add_argument("key")
    csub.add_parser("set-secret", help="store the app's client secret in the OS keyring (read from stdin)")
    csub.add_parser("delete-secret", help="remove the client secret from the OS keyring")
    p.set_defaults(func=cmd_config)


def _when(ts: float) -> str:
    if not ts:
        return "unknown"
    return time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(ts))


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_login(args: argparse.Namespace, ctx: AppContext) -> int:
    def on_url(url: str) -> None:
        _err("Opening TikTok's sign-in page in your browser. If it does not open, visit:")
        print(url, flush=True)
        _err(f"Waiting up to {args.timeout:g} s for you to finish there (Ctrl+C to cancel)...")

    result = login(ctx, timeout=args.timeout, port=args.port, on_url=on_url, on_message=_err)
    acc = result.account
    where = {Storage.KEYRING: "the OS keyring", Storage.MEMORY: "memory (this run only)"}.get(
        result.storage, "a plain-text file (opted in)"
    )
    sandbox = " (sandbox)" if ctx.config.sandbox else ""
    print(f"Signed in{sandbox} as {acc.label} [{acc.open_id}]; now the default account. Tokens are in {where}.")
    for notice in result.notices:
        _err(f"Note: {notice}")
    return EXIT_OK


def cmd_logout(args: argparse.Namespace, ctx: AppContext) -> int:
    if args.all:
        accounts = AccountRegistry(ctx.config.data_dir).accounts()
        if not accounts:
            print("No account was signed in; nothing to do.")
            return EXIT_OK
        for acc in accounts:
            _report_logout(logout(ctx, acc.open_id), ctx)
        return EXIT_OK
    _report_logout(logout(ctx, args.account), ctx)
    return EXIT_OK


def _report_logout(result: LogoutResult, ctx: AppContext) -> None:
    print(f"Signed out {result.account.label} [{result.account.open_id}]; its tokens were deleted here.")
    if not result.revoked and ctx.config.sandbox:
        _err(f"Note: the sandbox was not told ({result.problem or 'no stored token'}).")
    elif not result.revoked:
        _err(
            f"Note: TikTok could not be told ({result.problem or 'no stored token'}). To remove Clipship's "
            "access completely, open TikTok > Settings > Security > Manage app permissions."
        )


def _account_json(acc: Account, has_tokens: bool) -> dict[str, Any]:
    return {
        "open_id": acc.open_id,
        "display_name": acc.display_name,
        "username": acc.username,
        "avatar_url": acc.avatar_url,
        "default": acc.is_default,
        "scopes": list(acc.scopes),
        "missing_scopes": list(acc.missing_scopes),
        "can_direct_post": acc.can_direct_post,
        "can_upload_draft": acc.can_upload_draft,
        "access_expires_at": acc.access_expires_at,
        "refresh_expires_at": acc.refresh_expires_at,
        "tokens_stored": has_tokens,
    }


def cmd_whoami(args: argparse.Namespace, ctx: AppContext) -> int:
    accounts = AccountRegistry(ctx.config.data_dir).accounts()
    store = secret_store(ctx.config)
    env = ctx.env_token() is not None
    rows = [_account_json(a, store.get(a.open_id) is not None) for a in accounts]
    if args.json:
        out = {"sandbox": ctx.config.sandbox, "env_token": env, "storage": store.storage.value, "accounts": rows}
        print(json.dumps(out, indent=2))
        return EXIT_OK if (accounts or env) else EXIT_AUTH
    if env:
        print("Using the access token from CLIPSHIP_ACCESS_TOKEN (it overrides stored accounts).")
    if not accounts:
        if not env:
            _err("Not signed in to TikTok. Run 'clipship login'.")
        return EXIT_OK if env else EXIT_AUTH
    for acc, row in zip(accounts, rows, strict=True):
        mark = " (default)" if acc.is_default else ""
        print(f"{acc.label}{mark}")
        print(f"  open_id:        {acc.open_id}")
        if acc.avatar_url:
            print(f"  avatar:         {acc.avatar_url}")
        print(f"  permissions:    {', '.join(acc.scopes) or 'none'}")
        for warning in acc.scope_warnings():
            print(f"  note:           {warning}")
        print(f"  access until:   {_when(acc.access_expires_at)} (refreshed automatically)")
        print(f"  sign-in until:  {_when(acc.refresh_expires_at)}")
        if not row["tokens_stored"]:
            print("  tokens:         not stored on this machine; run 'clipship login' again")
    if store.notice:
        _err(f"Note: {store.notice}")
    return EXIT_OK


def _parse_value(key: str, raw: str) -> Any:
    try:
        return SETTINGS_BY_NAME[key].parse(raw)
    except ValueError as exc:
        raise InputError(f"{str(exc)[:1].upper()}{str(exc)[1:]}.", SETTINGS_BY_NAME[key].help) from None


def _read_secret() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("TikTok client secret (not shown): ").strip()
    return sys.stdin.readline().strip()


def cmd_config(args: argparse.Namespace, ctx: AppContext) -> int:
    action = getattr(args, "config_command", None) or "show"
    directory = data_dir()
    settings = load_settings(directory)
    if action in ("set", "unset"):
        key = args.key
        if key in SECRET_SETTINGS:
            raise InputError(
                f"{key} is a secret and never goes in the settings file.", "Use 'clipship config set-secret'."
            )
        if key not in SETTINGS_DEFAULTS:
            raise InputError(f"Unknown setting {key!r}.", "Known: " + ", ".join(sorted(SETTINGS_DEFAULTS)) + ".")
        value = _parse_value(key, args.value) if action == "set" else SETTINGS_DEFAULTS[key]
        if key == "default_account":
            registry = AccountRegistry(ctx.config.data_dir)
            if value and registry.get(str(value)) is None:
                raise InputError(f"No signed-in account {value!r}.", "See 'clipship whoami'.")
            if value:
                registry.set_default(str(value))
        settings[key] = value
        save_settings(settings, directory)
        print(f"{key} = {json.dumps(value)}")
        return EXIT_OK
    store = app_secret_store(ctx.config)
    if action == "set-secret":
        secret = _read_secret()
        if not secret:
            raise InputError("No client secret given.", "Pipe it in, e.g. 'clipship config set-secret < file'.")
        where = store.set_client_secret(secret)
        if where is Storage.KEYRING:
            print("Client secret saved in the OS keyring.")
        else:
            print(f"Client secret kept in {where.value}.")
            _err(f"Note: {store.notice} Setting CLIPSHIP_CLIENT_SECRET in the environment also works.")
        return EXIT_OK
    if action == "delete-secret":
        store.delete_client_secret()
        print(f"Client secret removed from the {SECRET_PLACES[store.storage]}.")
        return EXIT_OK
    env_key = os.environ.get("CLIPSHIP_CLIENT_KEY", "")
    own_key = env_key or settings.get("client_key", "")
    key_source = "environment" if env_key else ("settings" if own_key else "")
    secret_source = (
        "set (environment)"
        if os.environ.get("CLIPSHIP_CLIENT_SECRET")
        else (f"set ({SECRET_PLACES[store.storage]})" if store.client_secret() else "not set")
    )
    built_in = None if own_key else built_in_credentials()
    if built_in is not None:  # no app of the user's own: the one built into this copy signs in
        own_key, key_source, secret_source = built_in[0], "built in", "set (built in)"
    shown: dict[str, Any] = {
        **settings,
        "client_key": own_key,
        "client_key_source": key_source,
        "client_secret": secret_source,
        "secret_storage": store.storage.value,
        "data_dir": str(directory),
    }
    if ctx.config.sandbox:
        shown["sandbox"] = "on: the sandbox demo app's key and secret are used instead"
    if getattr(args, "json", False):
        print(json.dumps(shown, indent=2, sort_keys=True))
    else:
        for k in sorted(shown):
            print(f"{k}: {shown[k]}")
    return EXIT_OK
