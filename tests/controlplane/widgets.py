"""A small probe CRD (not a kopilot kind) for proving the control plane is real."""

from __future__ import annotations

GROUP, VERSION, PLURAL = "probe.kopilot.dev", "v1", "widgets"

CRD = f"""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {PLURAL}.{GROUP}
spec:
  group: {GROUP}
  scope: Namespaced
  names: {{plural: {PLURAL}, singular: widget, kind: Widget, shortNames: [wdg]}}
  versions:
  - name: {VERSION}
    served: true
    storage: true
    subresources: {{status: {{}}}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {{type: integer, minimum: 1, maximum: 10}}
              color: {{type: string, enum: [red, blue]}}
          status:
            type: object
            properties:
              phase: {{type: string}}
              observedSize: {{type: integer}}
"""


def widget(name: str, size: int = 3) -> str:
    return f"apiVersion: {GROUP}/{VERSION}\nkind: Widget\nmetadata: {{name: {name}}}\nspec: {{size: {size}}}\n"
