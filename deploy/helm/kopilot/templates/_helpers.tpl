{{/* The app name: `app.kubernetes.io/name`, as in deploy/base. */}}
{{- define "kopilot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object names: the release name when it contains the app name (`kopilot` gives the
base's names), else <release>-<name>, so two releases' cluster-scoped objects differ. */}}
{{- define "kopilot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "kopilot.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Helm's standard labels: the only ones the chart adds to the base's objects. */}}
{{- define "kopilot.helmLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* What kustomize gives every object of deploy/base (its `labels:`), plus Helm's. */}}
{{- define "kopilot.partOf" -}}
app.kubernetes.io/part-of: kopilot
{{ include "kopilot.helmLabels" . }}
{{- end }}

{{- define "kopilot.labels" -}}
app.kubernetes.io/name: {{ include "kopilot.name" . }}
{{ include "kopilot.partOf" . }}
{{- end }}

{{/* The operator's pods. The instance label keeps two releases (shards) in one namespace
from selecting each other's pods. */}}
{{- define "kopilot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kopilot.name" . }}
app.kubernetes.io/component: operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kopilot.serviceAccountSubject" -}}
- kind: ServiceAccount
  name: {{ include "kopilot.fullname" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}
