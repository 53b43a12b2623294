"""A list of ids bound as one parameter (`one_of`): the claim, the lease and the record use it on
both databases."""

import pytest
from sqlalchemy import column, select, table, text, update

from hookdesk.db import Database
from hookdesk.db.dialects import one_of

ROWS = table("id_list_rows", column("id"), column("seen"))
CHOSEN = select(ROWS.c.id).where(one_of(ROWS.c.id, "ids")).order_by(ROWS.c.id)


@pytest.mark.parametrize(
    ("ids", "found"),
    [
        (["b", "d"], ["b", "d"]),
        (["a", "zz", "c", "c"], ["a", "c"]),  # unknown ids and repeats change nothing
        ([], []),
        (['x"y', "d"], ["d"]),  # a quote in an id is data, not JSON or SQL
    ],
)
def test_one_of_finds_exactly_the_listed_rows(
    db: Database, ids: list[str], found: list[str]
) -> None:
    with db.engine.connect() as connection:
        connection.execute(
            text("CREATE TEMPORARY TABLE id_list_rows (id VARCHAR PRIMARY KEY, seen INT)")
        )
        connection.execute(ROWS.insert(), [{"id": i, "seen": 0} for i in ["a", "b", "c", "d"]])
        assert list(connection.scalars(CHOSEN, {"ids": ids})) == found
        marked = connection.execute(
            update(ROWS).where(one_of(ROWS.c.id, "ids")).values(seen=1), {"ids": ids}
        )
        assert marked.rowcount == len(found)
        connection.rollback()
