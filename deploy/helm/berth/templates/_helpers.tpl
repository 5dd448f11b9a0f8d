{{- define "berth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "berth.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "berth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* selector labels of one component: (dict "ctx" . "component" "api") */}}
{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "berth.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "berth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "berth.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* a secretKeyRef env entry: (dict "env" "BERTH_JWT_SECRET" "ref" .Values.secrets.jwtSecret "default" .Values.secrets.existingSecret) */}}
{{- define "berth.secretEnv" -}}
{{- $name := default .default .ref.name }}
{{- if not $name }}
{{- fail (printf "%s: set secrets.existingSecret (or the entry's own name) to the Secret that holds it; the chart never stores secret values" .env) }}
{{- end }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ $name | quote }}
      key: {{ required (printf "%s: the Secret key is empty" .env) .ref.key | quote }}
      {{- if .ref.optional }}
      optional: true
      {{- end }}
{{- end }}

{{/* a URL from a value or from a Secret: (dict "env" "DATABASE_URL" "v" .Values.database "what" "database") */}}
{{- define "berth.urlEnv" -}}
{{- if .v.existingSecret }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .v.existingSecret | quote }}
      key: {{ .v.key | quote }}
{{- else if .v.url }}
- name: {{ .env }}
  value: {{ .v.url | quote }}
{{- else }}
{{- fail (printf "%s: set %s.url or %s.existingSecret" .env .what .what) }}
{{- end }}
{{- end }}

{{/* the pod template of one component: (dict "ctx" . "component" "api" "c" .Values.api "workers" false) */}}
{{- define "berth.podTemplate" -}}
{{- $ctx := .ctx }}
{{- $v := $ctx.Values }}
metadata:
  labels:
    {{- include "berth.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  annotations:
    checksum/config: {{ include (print $ctx.Template.BasePath "/configmap.yaml") $ctx | sha256sum }}
    {{- with .c.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "berth.serviceAccountName" $ctx }}
  automountServiceAccountToken: {{ $v.serviceAccount.automountToken }}
  {{- with $v.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $v.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: 30
  containers:
    - name: berth
      image: "{{ $v.image.repository }}:{{ $v.image.tag | default $ctx.Chart.AppVersion }}"
      imagePullPolicy: {{ $v.image.pullPolicy }}
      securityContext:
        {{- toYaml $v.securityContext | nindent 8 }}
      ports:
        - name: http
          containerPort: 3000
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "berth.fullname" $ctx }}
      env:
        - name: NODE_ENV
          value: production
        - name: PORT
          value: "3000"
        - name: HOST
          value: 0.0.0.0
        - name: BERTH_WORKERS
          value: {{ .workers | quote }}
        {{- if .workers }}
        - name: BERTH_WORKER_CONCURRENCY
          value: {{ .c.concurrency | quote }}
        {{- end }}
        - name: BERTH_RUN_MIGRATIONS
          value: {{ and (not .workers) $v.migrations.runOnStart | quote }}
        {{- include "berth.urlEnv" (dict "env" "DATABASE_URL" "v" $v.database "what" "database") | trim | nindent 8 }}
        {{- include "berth.urlEnv" (dict "env" "REDIS_URL" "v" $v.redis "what" "redis") | trim | nindent 8 }}
        {{- include "berth.secretEnv" (dict "env" "BERTH_JWT_SECRET" "ref" $v.secrets.jwtSecret "default" $v.secrets.existingSecret) | trim | nindent 8 }}
        {{- include "berth.secretEnv" (dict "env" "BERTH_ENCRYPTION_KEYS" "ref" $v.secrets.encryptionKeys "default" $v.secrets.existingSecret) | trim | nindent 8 }}
        {{- include "berth.secretEnv" (dict "env" "BERTH_ADMIN_PASSWORD" "ref" $v.secrets.adminPassword "default" $v.secrets.existingSecret) | trim | nindent 8 }}
      startupProbe:
        httpGet: { path: {{ $v.probes.startup.path }}, port: http }
        periodSeconds: {{ $v.probes.startup.periodSeconds }}
        timeoutSeconds: {{ $v.probes.startup.timeoutSeconds }}
        failureThreshold: {{ $v.probes.startup.failureThreshold }}
      livenessProbe:
        httpGet: { path: {{ $v.probes.liveness.path }}, port: http }
        initialDelaySeconds: {{ $v.probes.liveness.initialDelaySeconds }}
        periodSeconds: {{ $v.probes.liveness.periodSeconds }}
        timeoutSeconds: {{ $v.probes.liveness.timeoutSeconds }}
        failureThreshold: {{ $v.probes.liveness.failureThreshold }}
      readinessProbe:
        httpGet: { path: {{ $v.probes.readiness.path }}, port: http }
        periodSeconds: {{ $v.probes.readiness.periodSeconds }}
        timeoutSeconds: {{ $v.probes.readiness.timeoutSeconds }}
        failureThreshold: {{ $v.probes.readiness.failureThreshold }}
      resources:
        {{- toYaml .c.resources | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir: { sizeLimit: 64Mi }
  {{- with .c.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .c.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .c.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
