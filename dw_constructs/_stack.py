"""Stack-level lookups shared by the constructs: providers, and the constructs of ours that already
exist in a stack (helpers over the construct tree, through one :class:`StackIndex` per stack)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, TypeVar

from cdktf import TerraformElement, TerraformProvider, TerraformResource, TerraformStack
from constructs import Construct, IConstruct, Node

from dw_constructs.errors import Problem

T = TypeVar("T")
H = TypeVar("H", bound=Hashable)


_STACKS: weakref.WeakKeyDictionary[Construct, TerraformStack] = weakref.WeakKeyDictionary()
_NODES: weakref.WeakKeyDictionary[IConstruct, Node] = weakref.WeakKeyDictionary()


def node_of(construct: IConstruct) -> Node:
    """``construct.node``, read through jsii once per construct (each read is a round trip)."""
    found = _NODES.get(construct)
    if found is None:
        found = _NODES[construct] = construct.node
    return found


def adopt(construct: Construct, scope: Construct) -> None:
    """``construct`` was just created under ``scope``: it is in ``scope``'s stack (known without
    asking jsii when its own children look their stack up)."""
    stack = stack_of(scope)
    if stack is not None:
        _STACKS[construct] = stack


def stack_of(scope: Construct) -> TerraformStack | None:
    found = _STACKS.get(scope)  # a construct's stack never changes: one jsii call per scope
    if found is None:
        try:
            found = _STACKS[scope] = TerraformStack.of(scope)
        except Exception:  # noqa: BLE001 - not inside a stack
            return None
    return found


#: Stacks of at most this many constructs are rescanned whenever they may have changed (a scan
#: marshals each construct through jsii, about 25 µs each); see :class:`StackIndex`. About two
#: DataWarehouseClusters (17 constructs each) and the app's own elements: 128 made the first seven
#: clusters of a stack rescan it, about 2.5% of synthesizing ten (benchmarks/RESULTS.md).
SMALL_STACK = 48


class StackIndex:
    """The constructs of one stack, for the stack-wide checks (names Terraform wants unique, the
    shared operator, default providers).

    ``stack.node.find_all()`` marshals every construct of the stack through jsii (about 25 µs
    each): one per check made N constructs of ours cost O(N²) (1000 DataWarehouseClusters: minutes).
    The index keeps its last scan and is brought up to date only when the stack may have changed
    outside our code, i.e. when the app's code may have run since (:func:`touch`: a construct of
    ours failed its checks, passed them, or finished and registered itself):

    - a stack of at most ``SMALL_STACK`` constructs is then rescanned: exact;
    - so is a larger one where a construct of ours that does not register itself was created or
      failed since the last scan: exact, as for every construct of ours;
    - a construct that registers itself (:func:`register` at the end of its constructor, with
      ``raise_problems(..., registers=True)``: DataWarehouseCluster) is added with what it created,
      the constructs of ours nested in it included, without a rescan: exact too. Only the app's own
      elements (a raw ``Release``, a ``TerraformVariable``...) created in a larger stack since the
      last scan are seen from the next rescan on, which comes once the registered constructs reach
      four times the size of the last scan (amortized O(N) scanning).

    Attributes read through :meth:`keyed` and :meth:`key` are read once per construct (their
    creator may give them: :func:`remember`). ``shared`` holds what the constructs of a stack share
    (e.g. the DataWarehouse chart asset).
    """

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack
        self._nodes: list[Any] = []
        self._seen: set[int] = set()
        self._scanned = -1  # constructs found by the last scan (-1: never scanned)
        self._registered = 0  # constructs registered since the last scan
        self._stale = True  # a construct of ours that does not register changed the stack since
        self._dirty = True  # the app's code may have run since the last lookup
        self._by_class: dict[type, list[Any]] = {}
        self._keyed: dict[tuple[type, Callable[[Any], Hashable]], dict[Hashable, list[Any]]] = {}
        self.shared: dict[str, Any] = {}

    def fresh(self) -> StackIndex:
        """This index, rescanned first when the policy above says so."""
        if self._dirty and (self._stale or self._scanned <= SMALL_STACK or self._registered >= 4 * self._scanned):
            self._nodes = list(self.stack.node.find_all())
            self._seen = {id(n) for n in self._nodes}
            self._scanned, self._registered, self._stale = len(self._nodes), 0, False
            self._by_class.clear()
            self._keyed.clear()
        self._dirty = False
        return self

    def touch(self, stale: bool) -> None:
        self._dirty = True
        self._stale = self._stale or stale

    def register(self, construct: IConstruct, nodes: Iterable[IConstruct] | None = None) -> None:
        """Add ``construct`` and its subtree (or, given, the ``nodes`` it created) to the index."""
        created = construct.node.find_all() if nodes is None else nodes
        new = [n for n in created if id(n) not in self._seen]
        self._seen.update(id(n) for n in new)
        self._nodes.extend(new)
        self._registered += len(new)
        for cls, found in self._by_class.items():
            found.extend(n for n in new if isinstance(n, cls))
        for (cls, key), groups in self._keyed.items():
            for n in new:
                if isinstance(n, cls):
                    groups.setdefault(self.key(key, n), []).append(n)

    def nodes(self, cls: type[T]) -> list[T]:
        """The constructs of type ``cls``: tree order of the last scan, then registration order."""
        found = self._by_class.get(cls)
        if found is None:
            found = self._by_class[cls] = [n for n in self._nodes if isinstance(n, cls)]
        return found

    def keyed(self, cls: type[T], key: Callable[[T], Hashable]) -> dict[Hashable, list[T]]:
        """The constructs of type ``cls`` grouped by ``key(construct)`` (a module-level function,
        read once per construct: e.g. a logical id, a release's name and namespace)."""
        groups = self._keyed.get((cls, key))
        if groups is None:
            groups = self._keyed[(cls, key)] = {}
            for n in self.nodes(cls):
                groups.setdefault(self.key(key, n), []).append(n)
        return groups

    @staticmethod
    def key(key: Callable[[T], H], node: T) -> H:
        """``key(node)``, read once per construct (or given by its creator: :func:`remember`)."""
        memo = (key, id(node))
        if memo not in _MEMO:
            _MEMO[memo] = key(node)
        return _MEMO[memo]  # type: ignore[return-value]  # stored for this key function


#: (key function, id of a construct) -> its key. Constructs live as long as the jsii kernel (it
#: never frees them), so their ids are never reused.
_MEMO: dict[tuple[Callable[[Any], Hashable], int], Hashable] = {}


def remember(key: Callable[[Any], Hashable], node: object, value: Hashable) -> None:
    """Give ``key(node)`` to the indexes without reading it through jsii (its creator knows it)."""
    _MEMO[(key, id(node))] = value


_INDEXES: weakref.WeakKeyDictionary[TerraformStack, StackIndex] = weakref.WeakKeyDictionary()


def _index_of(scope: Construct) -> StackIndex | None:
    stack = stack_of(scope)
    if stack is None:
        return None
    found = _INDEXES.get(stack)
    if found is None:
        found = _INDEXES[stack] = StackIndex(stack)
    return found


def index(scope: Construct) -> StackIndex | None:
    """The (fresh) :class:`StackIndex` of ``scope``'s stack; None outside a stack."""
    found = _index_of(scope)
    return found.fresh() if found is not None else None


def shared(scope: Construct) -> dict[str, Any]:
    """What the constructs of ``scope``'s stack share (:attr:`StackIndex.shared`); a throwaway dict
    outside a stack."""
    found = _index_of(scope)
    return found.shared if found is not None else {}


#: For each construct that registers itself and is being built: whether each index was stale
#: when its checks passed (what the constructs of ours nested in it change, it registers).
_BUILDING: list[dict[StackIndex, bool]] = []


def touch(registers: bool = False, abandoned: bool = False) -> None:
    """Called by ``raise_problems``: a construct of ours failed its checks (the app's code runs
    next; ``abandoned``: one that registers itself, after its first checks passed) or passed them.
    One that registers itself at the end of its constructor (``registers``) leaves the indexes as
    they are until then."""
    if registers:
        _BUILDING.append({found: found._stale for found in list(_INDEXES.values())})
        return
    if abandoned and _BUILDING:
        _BUILDING.pop()
    for found in list(_INDEXES.values()):
        found.touch(stale=True)


def register(construct: Construct, scope: Construct, nodes: Iterable[IConstruct] | None = None) -> None:
    """Take ``construct`` (a child of ``scope``, just created) and what it created into its stack's
    index, at the end of its constructor (its checks passed ``registers=True`` to
    ``raise_problems``): exact lookups without rescanning the stack. ``nodes``: every construct it
    created, itself and the constructs of ours nested in it included (default: its subtree, read
    through jsii). The app's code runs next."""
    before = _BUILDING.pop() if _BUILDING else {}
    found = _index_of(scope)
    if found is not None:
        found.register(construct, nodes)
        found._stale = before.get(found, found._stale)  # its nested constructs are registered with it
    for other in list(_INDEXES.values()):
        other.touch(stale=False)


def nodes(scope: Construct, cls: type[T]) -> Iterator[T]:
    """Every construct of type ``cls`` in the stack of ``scope`` (see :class:`StackIndex`)."""
    idx = index(scope)
    return iter(idx.nodes(cls) if idx is not None else ())


_CLASS_RESOURCE_TYPES: dict[type, str | None] = {}


def resource_type_of(resource: TerraformResource) -> str | None:
    """The Terraform type of a resource of generated bindings, from its class (``TF_RESOURCE_TYPE``,
    one jsii call per class): the same for a class of the prebuilt ``cdktf_cdktf_provider_*``
    packages and of ours. None for a raw ``TerraformResource``."""
    cls = type(resource)
    if cls not in _CLASS_RESOURCE_TYPES:
        _CLASS_RESOURCE_TYPES[cls] = getattr(cls, "TF_RESOURCE_TYPE", None)
    return _CLASS_RESOURCE_TYPES[cls]


def resource_key(resource: TerraformResource) -> tuple[str | None, ...]:
    """What makes a resource unique where our constructs care: a release's name in its namespace, a
    namespace's name (the provider is compared separately: another Kubernetes cluster may have it)."""
    kind = resource_type_of(resource)
    if kind == "helm_release":
        return kind, resource.name_input, resource.namespace_input or "default"  # type: ignore[attr-defined]
    if kind == "kubernetes_namespace_v1":
        return kind, resource.metadata.name_input  # type: ignore[attr-defined]
    return (kind,)


def resources(scope: Construct, *key: str | None) -> list[TerraformResource]:
    """The resources of ``scope``'s stack whose key (see ``resource_key``) is ``key``, e.g.
    ``("helm_release", name, namespace)`` or ``("kubernetes_namespace_v1", name)``, whichever
    bindings created them."""
    idx = index(scope)
    return list(idx.keyed(TerraformResource, resource_key).get(key, [])) if idx is not None else []


def find_provider(scope: Construct, resource_type: str) -> TerraformProvider | None:
    """The stack's provider configuration of ``resource_type`` that resources without an explicit
    ``provider`` use: the one without alias (else the first one)."""
    idx = index(scope)
    if idx is None:
        return None
    found = [n for n in idx.nodes(TerraformProvider) if idx.key(provider_key, n)[0] == resource_type]
    default = [n for n in found if idx.key(provider_key, n)[1] is None]
    return (default or found)[0] if found else None


def provider_key(provider: TerraformProvider) -> tuple[str, str | None]:
    return provider.terraform_resource_type, provider.alias or None


def resolve_provider(scope: Construct, given: Any, resource_type: str) -> TerraformProvider | None:
    return given if given is not None else find_provider(scope, resource_type)


def provider_problems(scope: Construct, prop: str, given: Any, resource_type: str, cls_name: str) -> list[Problem]:
    """A provider the construct needs: the one given (of the right type), or one declared in the
    stack before the construct (our constructs create no provider configuration of their own)."""
    if given is None:
        if find_provider(scope, resource_type) is None:
            return [
                Problem(
                    prop,
                    None,
                    f"a {cls_name} object, or a {cls_name} created in the stack before this "
                    "construct (it creates no provider configuration of its own)",
                )
            ]
        return []
    idx = index(scope) if isinstance(given, TerraformProvider) else None
    kind = (
        idx.key(provider_key, given)[0]
        if idx is not None
        else given.terraform_resource_type
        if isinstance(given, TerraformProvider)
        else None
    )
    if kind != resource_type:
        return [Problem(prop, type(given).__name__, f"a {cls_name} (provider '{resource_type}')")]
    return []


def provider_label(provider: TerraformProvider | None) -> str:
    if provider is None:
        return "the default provider"
    alias = provider.alias
    return f"{provider.terraform_resource_type}" + (f".{alias}" if alias else "") + f" ({provider.node.path})"


# --- names Terraform wants unique in a stack -----------------------------------------------------


def logical_id_owner(scope: Construct, cls: type[TerraformElement], logical_id: str) -> TerraformElement | None:
    """The element of type ``cls`` (e.g. ``TerraformVariable``, ``TerraformOutput``) of the stack
    of ``scope`` whose Terraform name is ``logical_id``, or None. Two elements with one name would
    be merged silently into one JSON key by cdktf."""
    idx = index(scope)
    owners = idx.keyed(cls, element_logical_id).get(logical_id, []) if idx is not None else []
    return owners[0] if owners else None


def element_logical_id(element: TerraformElement) -> str:
    # cdktf memoizes it on first read too (later override_logical_id calls are then ignored)
    return element.friendly_unique_id


def provider_with_alias(scope: Construct, resource_type: str, alias: str) -> TerraformProvider | None:
    """The stack's provider configuration of ``resource_type`` with ``alias``, or None (Terraform
    rejects two: ``Duplicate provider configuration``)."""
    idx = index(scope)
    owners = idx.keyed(TerraformProvider, provider_key).get((resource_type, alias)) if idx is not None else None
    return owners[0] if owners else None
