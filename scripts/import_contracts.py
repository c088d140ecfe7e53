"""An import-linter contract type the built-in ones lack: no import cycles between modules.

`acyclic_siblings` compares packages (an app importing another and back through unrelated
files is not a loop of files); this one looks at files, as the layering rule reads: no two
modules import each other, directly or through others, counting imports inside functions
(grimp records every import statement). Configured in pyproject.toml, run by `lint-imports`
from the repository root (which import-linter puts on sys.path).
"""

from __future__ import annotations

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def strongly_connected(graph, modules: set[str]) -> list[list[str]]:
    """Tarjan's components of more than one module, iterative (deep import chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    imported = graph.find_modules_directly_imported_by(child) & modules
                    work.append((child, iter(sorted(imported))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    containers = fields.ListField(subfield=fields.StringField())
    # "importer -> imported": known loops still to cut, each listed with its reason in the
    # configuration; an entry that matches no import is an error (so the list only shrinks).
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph, verbose: bool) -> ContractCheck:
        for entry in self.ignore_imports or []:  # type: ignore[attr-defined]
            importer, _arrow, imported = (part.strip() for part in entry.partition("->"))
            if not graph.direct_import_exists(importer=importer, imported=imported):
                raise ValueError(f"ignore_imports: no import {entry!r}")
            graph.remove_import(importer=importer, imported=imported)
        modules: set[str] = set()
        for container in self.containers:  # type: ignore[attr-defined]
            modules |= {container} | graph.find_descendants(container)
        cycles = strongly_connected(graph, modules)
        paths = []
        for component in cycles:
            members = set(component)
            first = component[0]
            # One loop through the component's first module, to show where to cut it.
            for imported in sorted(graph.find_modules_directly_imported_by(first) & members):
                back = graph.find_shortest_chain(importer=imported, imported=first)
                if back:
                    paths.append([first, *back])
                    break
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles, "paths": paths})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for component, path in zip(check.metadata["cycles"], check.metadata["paths"], strict=False):
            names = ", ".join(component)
            output.print_error(f"{len(component)} modules import each other: {names}")
            output.indent_cursor()
            output.print(" -> ".join(path))
            output.new_line()
