"""The API's route decorators: Litestar's `get`, `post`, `put` and `delete`, whose plain (`def`)
handlers run in a worker thread.

The handlers do blocking work (SQLAlchemy sessions, the mappers, the solver), and Litestar asks
each `def` handler to say where it runs: `sync_to_thread` has no controller- or router-level
default. Here it defaults to True for a `def` handler, as every route said one by one before; an
`async def` handler, or one given `sync_to_thread=False`, is left as Litestar has it. (Wrapped,
not subclassed: Litestar deprecates subclassing its route decorators.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec

import litestar
from litestar.handlers.http_handlers.base import HTTPRouteHandler
from litestar.types import AnyCallable
from litestar.utils.predicates import is_async_callable

P = ParamSpec("P")


def _in_thread(decorator: Callable[P, HTTPRouteHandler]) -> Callable[P, Callable[[AnyCallable], HTTPRouteHandler]]:
    def route(*args: P.args, **options: P.kwargs) -> Callable[[AnyCallable], HTTPRouteHandler]:
        handler = decorator(*args, **options)

        def decorate(fn: AnyCallable) -> HTTPRouteHandler:
            if handler.sync_to_thread is None and not is_async_callable(fn):
                handler.sync_to_thread = True
            return handler(fn)

        return decorate

    return route


get = _in_thread(litestar.get)
post = _in_thread(litestar.post)
put = _in_thread(litestar.put)
delete = _in_thread(litestar.delete)

__all__ = ["delete", "get", "post", "put"]
