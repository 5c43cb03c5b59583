"""The attestation index: what was built, attested and promoted, queryable by security teams.

The registry holds the evidence (signed bundles); this index only makes it searchable ("which
promoted images contain openssl 3.0.7?"). It is never the source of truth for a verdict: the
promotion gate and admission re-verify signatures. SQLite by default, PostgreSQL in production.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from attestations.errors import DockgateError


class AttestationIndexError(DockgateError):
    """The attestation index could not be read or written."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class ImageRow(Base):
    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("repository", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    repository: Mapped[str] = mapped_column(String(512))  # registry/repository, e.g. 127.0.0.1:5001/acme/api
    digest: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(200))  # the image's name in its source repository
    source_repo: Mapped[str | None] = mapped_column(String(300))
    commit: Mapped[str | None] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(300))
    verdict: Mapped[str | None] = mapped_column(String(20))
    built_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    promoted_to: Mapped[str | None] = mapped_column(String(512))
    promoted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    attestations: Mapped[list[AttestationRow]] = relationship(
        back_populates="image", cascade="all, delete-orphan"
    )
    components: Mapped[list[ComponentRow]] = relationship(
        back_populates="image", cascade="all, delete-orphan"
    )


class AttestationRow(Base):
    __tablename__ = "attestations"
    __table_args__ = (UniqueConstraint("image_id", "predicate_type", "bundle_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    predicate_type: Mapped[str] = mapped_column(String(300), index=True)
    bundle_digest: Mapped[str] = mapped_column(String(80))
    location: Mapped[str | None] = mapped_column(Text)  # where the bundle lives in the registry
    signer: Mapped[str | None] = mapped_column(String(500))  # key hint or certificate identity
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    image: Mapped[ImageRow] = relationship(back_populates="attestations")


class ComponentRow(Base):
    __tablename__ = "components"
    __table_args__ = (Index("ix_components_name_version", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    purl: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(200))

    image: Mapped[ImageRow] = relationship(back_populates="components")


class ReportRow(Base):
    """The full pipeline report of one image of one commit (what a check run links to)."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("source_repo", "commit", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_repo: Mapped[str] = mapped_column(String(300))
    commit: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


@dataclass(frozen=True)
class ImageRecord:
    repository: str
    digest: str
    name: str
    source_repo: str | None = None
    commit: str | None = None
    ref: str | None = None
    verdict: str | None = None
    promoted_to: str | None = None


@dataclass(frozen=True)
class AttestationRecord:
    predicate_type: str
    bundle_digest: str
    location: str | None = None
    signer: str | None = None


@dataclass(frozen=True)
class ComponentRecord:
    purl: str
    name: str
    version: str | None


class AttestationStore(Protocol):
    """Where the pipeline records evidence and where the audit API reads it."""

    def record_image(
        self,
        image: ImageRecord,
        attestations: Sequence[AttestationRecord] = (),
        components: Sequence[ComponentRecord] = (),
    ) -> None: ...

    def mark_promoted(self, repository: str, digest: str, destination: str) -> None: ...

    def images_with_component(
        self, name: str, version: str | None = None, *, promoted_only: bool = False
    ) -> list[ImageRecord]: ...

    def record_report(self, source_repo: str, commit: str, name: str, document: str) -> None: ...

    def last_promoted(self, source_repo: str, name: str) -> ImageRecord | None: ...


class SqlAttestationStore:
    """The SQLAlchemy implementation: SQLite for one host, PostgreSQL for many workers."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True, future=True)
        Base.metadata.create_all(self.engine)

    def record_image(
        self,
        image: ImageRecord,
        attestations: Sequence[AttestationRecord] = (),
        components: Sequence[ComponentRecord] = (),
    ) -> None:
        """Insert or update an image; re-recording a retried job replaces its rows (idempotent)."""
        with Session(self.engine) as session, session.begin():
            row = session.scalar(
                select(ImageRow).where(
                    ImageRow.repository == image.repository, ImageRow.digest == image.digest
                )
            )
            if row is None:
                row = ImageRow(repository=image.repository, digest=image.digest, name=image.name)
                session.add(row)
            row.name, row.source_repo, row.commit = image.name, image.source_repo, image.commit
            row.ref, row.verdict = image.ref, image.verdict
            # Delete the previous evidence rows before inserting the new ones: the unique constraint
            # would otherwise see both generations during one flush.
            row.attestations.clear()
            row.components.clear()
            session.flush()
            row.attestations.extend(
                AttestationRow(
                    predicate_type=a.predicate_type,
                    bundle_digest=a.bundle_digest,
                    location=a.location,
                    signer=a.signer,
                )
                for a in _unique_attestations(attestations)
            )
            row.components.extend(
                ComponentRow(purl=c.purl, name=c.name, version=c.version) for c in components
            )

    def mark_promoted(self, repository: str, digest: str, destination: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.scalar(
                select(ImageRow).where(ImageRow.repository == repository, ImageRow.digest == digest)
            )
            if row is None:
                raise AttestationIndexError(f"no indexed image {repository}@{digest} to mark as promoted")
            row.promoted_to, row.promoted_at = destination, _now()

    def images_with_component(
        self, name: str, version: str | None = None, *, promoted_only: bool = False
    ) -> list[ImageRecord]:
        query = select(ImageRow).join(ComponentRow).where(ComponentRow.name == name).distinct()
        if version is not None:
            query = query.where(ComponentRow.version == version)
        if promoted_only:
            query = query.where(ImageRow.promoted_to.is_not(None))
        with Session(self.engine) as session:
            return [_record(row) for row in session.scalars(query.order_by(ImageRow.id))]

    def last_promoted(self, source_repo: str, name: str) -> ImageRecord | None:
        """The image of `name` from `source_repo` most recently promoted (the "new only" baseline)."""
        query = (
            select(ImageRow)
            .where(ImageRow.source_repo == source_repo, ImageRow.name == name)
            .where(ImageRow.promoted_to.is_not(None))
            .order_by(ImageRow.promoted_at.desc(), ImageRow.id.desc())
            .limit(1)
        )
        with Session(self.engine) as session:
            row = session.scalar(query)
            return _record(row) if row is not None else None

    def record_report(self, source_repo: str, commit: str, name: str, document: str) -> None:
        """Keep the latest report of an image of a commit (a re-run replaces it)."""
        with Session(self.engine) as session, session.begin():
            row = session.scalar(
                select(ReportRow).where(
                    ReportRow.source_repo == source_repo, ReportRow.commit == commit, ReportRow.name == name
                )
            )
            if row is None:
                session.add(ReportRow(source_repo=source_repo, commit=commit, name=name, document=document))
            else:
                row.document, row.created_at = document, _now()

    def report(self, source_repo: str, commit: str, name: str) -> str | None:
        query = select(ReportRow.document).where(
            ReportRow.source_repo == source_repo, ReportRow.commit == commit, ReportRow.name == name
        )
        with Session(self.engine) as session:
            return session.scalar(query)

    def attestations_of(self, digest: str) -> list[AttestationRecord]:
        query = (
            select(AttestationRow).join(ImageRow).where(ImageRow.digest == digest).order_by(AttestationRow.id)
        )
        with Session(self.engine) as session:
            return [
                AttestationRecord(a.predicate_type, a.bundle_digest, a.location, a.signer)
                for a in session.scalars(query)
            ]


def _unique_attestations(items: Iterable[AttestationRecord]) -> list[AttestationRecord]:
    return list(dict.fromkeys(items))


def _record(row: ImageRow) -> ImageRecord:
    return ImageRecord(
        repository=row.repository,
        digest=row.digest,
        name=row.name,
        source_repo=row.source_repo,
        commit=row.commit,
        ref=row.ref,
        verdict=row.verdict,
        promoted_to=row.promoted_to,
    )
