{{/*
Objects every service has, parameterised by (dict "root" $ "component" "relay" "svc" .Values.relay ...).
*/}}

{{- define "rccs.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "rccs.fullname" . }}
  labels:
    {{- include "rccs.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}

{{- define "rccs.configMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "rccs.fullname" . }}
  labels:
    {{- include "rccs.labels" . | nindent 4 }}
{{- with include "rccs.serviceConfigData" . | trim }}
data:
  {{- . | nindent 2 }}
{{- else }}
data: {}
{{- end }}
{{- end -}}

{{- define "rccs.pdb" -}}
{{- if .svc.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "rccs.fullname" . }}
  labels:
    {{- include "rccs.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .svc.pdb.maxUnavailable }}
  # an unready pod (e.g. every replica waiting out a database outage) must not block node drains
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "rccs.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* extra parameters: kind (StatefulSet or Deployment), behavior (an HPA behavior, may be empty) */}}
{{- define "rccs.hpa" -}}
{{- if .svc.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "rccs.fullname" . }}
  labels:
    {{- include "rccs.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: {{ .kind }}
    name: {{ include "rccs.fullname" . }}
  minReplicas: {{ .svc.autoscaling.minReplicas }}
  maxReplicas: {{ .svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .svc.autoscaling.targetCPUUtilizationPercentage }}
  {{- with .behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{- define "rccs.serviceMonitor" -}}
{{- if .root.Values.metrics.serviceMonitor.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "rccs.fullname" . }}
  labels:
    {{- include "rccs.labels" . | nindent 4 }}
    {{- with .root.Values.metrics.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "rccs.selectorLabels" . | nindent 6 }}
      rccs.io/metrics: "true"
  # the Service's labels on every series, so dashboards and alerts select RCCS and not other apps
  targetLabels:
    - app.kubernetes.io/part-of
    - app.kubernetes.io/name
  endpoints:
    - port: http
      path: /q/metrics
      interval: {{ .root.Values.metrics.serviceMonitor.interval }}
{{- end }}
{{- end -}}

{{/* a service nobody calls: it accepts only the metrics scrape */}}
{{- define "rccs.metricsOnlyNetworkPolicy" -}}
{{- if .root.Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "rccs.fullname" . }}
  labels:
    {{- include "rccs.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "rccs.selectorLabels" . | nindent 6 }}
  policyTypes: ["Ingress"]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ .root.Values.networkPolicy.metricsNamespace }}
      ports:
        - port: http
          protocol: TCP
{{- end }}
{{- end -}}

{{/*
The relay and the queue: Deployments that take their work from Kafka and PostgreSQL. Extra
parameter: partitionsNote (the HPA comment).
*/}}
{{- define "rccs.backendService" -}}
{{ include "rccs.serviceAccount" . }}
---
{{ include "rccs.configMap" . }}
---
# nobody calls this service (its work comes over Kafka): the Service exists for the metrics scrape
apiVersion: v1
kind: Service
metadata:
  name: {{ include "rccs.fullname" . }}
  labels:
    {{- include "rccs.labels" . | nindent 4 }}
    rccs.io/metrics: "true"
spec:
  type: ClusterIP
  selector:
    {{- include "rccs.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: 8080
      targetPort: http
      protocol: TCP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "rccs.fullname" . }}
  labels:
    {{- include "rccs.labels" . | nindent 4 }}
spec:
  {{- if not .svc.autoscaling.enabled }}
  replicas: {{ .svc.replicas }}
  {{- end }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "rccs.selectorLabels" . | nindent 6 }}
  # uncommitted Kafka offsets are replayed by the next owner (every consumer is idempotent); the
  # grace lets in-flight batches finish and commit
  template:
    {{- include "rccs.podTemplate" (merge (dict "gatewayIndex" false "database" true "startupFailureThreshold" 90) .) | nindent 4 }}
{{- with include "rccs.pdb" . }}
---
{{ trim . }}
{{- end }}
{{- with include "rccs.hpa" (merge (dict "kind" "Deployment") .) }}
---
# {{ $.partitionsNote }}
{{ trim . }}
{{- end }}
{{- with include "rccs.metricsOnlyNetworkPolicy" . }}
---
# no inbound traffic but the metrics scrape from the monitoring namespace
{{ trim . }}
{{- end }}
{{- with include "rccs.serviceMonitor" . }}
---
{{ trim . }}
{{- end }}
{{- end -}}
