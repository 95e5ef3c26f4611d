"""`flask --app app stories …`: import recordings and typed stories from files and folders."""
from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

stories_cli = AppGroup("stories", help="Import and look after stories.")

SKIP_SUFFIXES = {".json"}


def _files(paths) -> list[Path]:
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        else:
            found.append(path)
    return [p for p in found if p.suffix.lower() not in SKIP_SUFFIXES]


def _sidecar(path: Path) -> dict:
    for candidate in (path.with_suffix(".json"), path.with_name(path.name + ".json")):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (ValueError, OSError) as exc:
                raise click.ClickException(f"{candidate}: not valid JSON ({exc})") from exc
            return data if isinstance(data, dict) else {}
    return {}


def _date(value) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return date.fromisoformat(str(value)[:10])


def _scopes(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [s.strip() for s in items if s and s.strip()]


@stories_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--reporter", "reporter_email", required=True, help="Email of the reporter who owns the stories.")
@click.option("--storyteller-role", default="service_user", show_default=True,
              type=click.Choice(["service_user", "staff", "peer_mentor", "partner", "other"]))
@click.option("--consent", default="", help="Consent scopes agreed, e.g. analysis,workshop,quote")
@click.option("--reviewed", is_flag=True, help="Mark audio stories as checked once transcribed.")
def import_command(paths, reporter_email, storyteller_role, consent, reviewed):
    """Import audio files, .txt files or folders of them (a NAME.json beside a file may give
    title, storyteller_role, consent, recorded_at, language). Prints `<story id><TAB><path>`."""
    from accounts.services import get_user_by_email
    from stories.media import MediaError
    from stories.services import StoryError, create_audio_story, create_text_story, read_text_file

    reporter = get_user_by_email(reporter_email)
    if reporter is None or not reporter.active:
        raise click.ClickException(f"no active user {reporter_email}")
    made = skipped = 0
    for path in _files(paths):
        meta = _sidecar(path)
        details = {
            "title": str(meta.get("title") or path.stem.replace("_", " ").replace("-", " ")).strip() or path.name,
            "storyteller_role": meta.get("storyteller_role") or storyteller_role,
            "recorded_on": _date(meta.get("recorded_at") or meta.get("recorded_on")),
            "language": meta.get("language") or "en",
            "notes": str(meta.get("notes") or ""),
        }
        agreed = {"scopes": _scopes(meta["consent"] if "consent" in meta else consent),
                  "method": meta.get("consent_method") or "signed_form"}
        try:
            if path.suffix.lower() == ".txt":
                with open(path, "rb") as fh:
                    text = read_text_file(fh, path.name)
                story = create_text_story(text, details, agreed, reporter, filename=path.name, kind="import")
            else:
                with open(path, "rb") as fh:
                    story = create_audio_story(fh, path.name, details, agreed, reporter, reviewed=reviewed)
        except (MediaError, StoryError) as exc:
            skipped += 1
            click.echo(f"skipped {path}: {exc.message}", err=True)
            continue
        made += 1
        click.echo(f"{story.id}\t{path}")
    click.echo(f"imported {made} stor{'y' if made == 1 else 'ies'}, skipped {skipped}", err=True)
    if skipped and not made:
        sys.exit(1)


@stories_cli.command("cleanup")
def cleanup_command():
    """Remove abandoned uploads, stray temporary files and keys no story uses."""
    from stories.media import cleanup_tmp, sweep_unused_keys
    from stories.uploads import cleanup_abandoned

    click.echo(f"removed {cleanup_abandoned()} abandoned upload(s), {cleanup_tmp()} temporary file(s), "
               f"{sweep_unused_keys()} unused key(s)")


commands = [stories_cli]


@stories_cli.command("models")
def models_command():
    """Get the configured Whisper model ready (FLASK_WHISPER_MODEL=base assembles the multilingual one)."""
    from flask import current_app

    from engines.transcription.models import ModelError, languages_for, resolve_model

    setting = current_app.config.get("WHISPER_MODEL")
    try:
        path = resolve_model(setting, current_app.config["DATA_DIR"])
    except ModelError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"Whisper model: {setting or 'tiny.en'} ({path or 'bundled'}); "
               f"languages offered: {', '.join(code for code, _ in languages_for(setting))}")
