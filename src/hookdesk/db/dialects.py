"""Which database a session talks to, for the statements that have a faster form on one."""

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, Boolean, ColumnElement, String, TypeDecorator, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeEngine

from hookdesk.db import direct


def on_postgresql(session: direct.Unit) -> bool:
    dialect = (
        session.dialect if isinstance(session, direct.Transaction) else session.get_bind().dialect
    )
    return dialect.name == "postgresql"


def one_of(column: ColumnElement[str], name: str) -> ColumnElement[bool]:
    """`column` is one of the strings bound as `name` (a list, bound as one parameter).

    Unlike `column.in_(bindparam(name, expanding=True))`, the statement's SQL does not change
    with the list's length, so its compiled form is used as is: `= ANY(array)` on PostgreSQL,
    `IN (SELECT value FROM json_each(json))` on SQLite."""
    return _OneOf(column, bindparam(name, type_=_Strings()))


class _Strings(TypeDecorator[Sequence[str]]):
    """A list of strings bound as one parameter: an array on PostgreSQL, JSON text on SQLite."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(String))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Sequence[str] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(list(value))


class _OneOf(ColumnElement[bool]):
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it is: no "= 1" after it on SQLite
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[str], values: BindParameter[Sequence[str]]) -> None:
        self.column = column
        self.values = values


@compiles(_OneOf)
def _one_of_in_json(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    # Compiled SQL and a bound parameter's placeholder: no value is written into the text.
    return f"{column} IN (SELECT value FROM json_each({values}))"  # noqa: S608


@compiles(_OneOf, "postgresql")
def _one_of_array(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY({values})"
