from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hookdesk.db.base import Base, Owned, unix_time
from hookdesk.models.tickets import Reply


class Asset(Owned, Base):
    __tablename__ = "assets"

    # Set once the asset is attached to a reply; an asset belongs to at most one reply.
    reply_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("replies.id", ondelete="CASCADE"), index=True
    )
    # The asset's place among its reply's assets, in the order the request listed them.
    position: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    extension: Mapped[str] = mapped_column(String(16))
    filesize: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[int] = unix_time()

    # Declared so that a flush inserts a new reply before attaching assets to it; never loaded.
    reply: Mapped[Reply | None] = relationship(lazy="raise")

    @property
    def storage_key(self) -> str:
        return f"{self.account_id}/{self.id}.{self.extension}"
