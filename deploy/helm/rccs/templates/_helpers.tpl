{{/*
Name of a component's objects: "<release>-<component>" (rccs-gateway with release "rccs").
*/}}
{{- define "rccs.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels Helm adds to every object; the Kustomize side has none of these.
*/}}
{{- define "rccs.helmLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/*
Selector labels of a component (dict "root" $ "component" "gateway").
*/}}
{{- define "rccs.selectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-%s" .root.Chart.Name .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/*
Pod labels of a component.
*/}}
{{- define "rccs.podLabels" -}}
{{ include "rccs.selectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: {{ .root.Chart.Name }}
{{- end -}}

{{/*
Object labels of a component.
*/}}
{{- define "rccs.labels" -}}
{{ include "rccs.podLabels" . }}
{{ include "rccs.helmLabels" .root }}
{{- end -}}

{{/*
Labels of the release-wide objects (topics, realm, dashboard, alerts).
*/}}
{{- define "rccs.commonLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: {{ .Chart.Name }}
{{ include "rccs.helmLabels" . }}
{{- end -}}

{{/*
Image reference of a service: "<registry>/<repository>:<tag>".
*/}}
{{- define "rccs.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .svc.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .svc.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
Data of the ConfigMap <release>-infrastructure: where Kafka, PostgreSQL, Redis and the OIDC provider are.
*/}}
{{- define "rccs.infrastructureData" -}}
KAFKA_BOOTSTRAP_SERVERS: {{ .Values.kafka.bootstrapServers | quote }}
QUARKUS_REDIS_HOSTS: {{ .Values.redis.hosts | quote }}
QUARKUS_DATASOURCE_REACTIVE_URL: {{ .Values.postgres.reactiveUrl | quote }}
QUARKUS_DATASOURCE_JDBC_URL: {{ .Values.postgres.jdbcUrl | quote }}
QUARKUS_OIDC_AUTH_SERVER_URL: {{ .Values.oidc.authServerUrl | quote }}
{{- with .Values.oidc.audience }}
QUARKUS_OIDC_TOKEN_AUDIENCE: {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
Data of a service's own ConfigMap (its `config` values).
*/}}
{{- define "rccs.serviceConfigData" -}}
{{- range $key, $value := .svc.config }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end -}}

{{/*
The partitions of rccs.deliveries in kafka.topics.list, or fail.
*/}}
{{- define "rccs.deliveriesPartitions" -}}
{{- $partitions := 0 -}}
{{- range .Values.kafka.topics.list -}}
{{- if eq .name "rccs.deliveries" -}}{{- $partitions = int .partitions -}}{{- end -}}
{{- end -}}
{{- if eq $partitions 0 -}}
{{- fail "kafka.topics.list must contain the topic rccs.deliveries: the gateways read it, one partition per gateway instance" -}}
{{- end -}}
{{- $partitions -}}
{{- end -}}

{{/*
Checks of values the schema cannot express. The gateway may not have more instances than
rccs.deliveries has partitions: an instance beyond them has no partition to read and refuses to start.
*/}}
{{- define "rccs.checkValues" -}}
{{- $partitions := include "rccs.deliveriesPartitions" . | int -}}
{{- $gw := .Values.gateway -}}
{{- if gt (int $gw.replicas) $partitions -}}
{{- fail (printf "gateway.replicas (%d) exceeds the %d partitions of rccs.deliveries (kafka.topics.list): each gateway instance owns one partition; add partitions first" (int $gw.replicas) $partitions) -}}
{{- end -}}
{{- if and $gw.autoscaling.enabled (gt (int $gw.autoscaling.maxReplicas) $partitions) -}}
{{- fail (printf "gateway.autoscaling.maxReplicas (%d) exceeds the %d partitions of rccs.deliveries (kafka.topics.list): each gateway instance owns one partition; add partitions first" (int $gw.autoscaling.maxReplicas) $partitions) -}}
{{- end -}}
{{- $t := .Values.kafka.topics -}}
{{- if and $t.create (or (lt (int $t.minInsyncReplicas) 1) (and (gt (int $t.replicas) 1) (ge (int $t.minInsyncReplicas) (int $t.replicas))) (and (eq (int $t.replicas) 1) (ne (int $t.minInsyncReplicas) 1))) -}}
{{- fail (printf "kafka.topics.minInsyncReplicas (%d) must be below kafka.topics.replicas (%d), or 1 with one replica: producers use acks=all, so an equal value stops every produce while one broker restarts" (int $t.minInsyncReplicas) (int $t.replicas)) -}}
{{- end -}}
{{- range $name := list "gateway" "relay" "queue" -}}
{{- $a := (index $.Values $name).autoscaling -}}
{{- if and $a.enabled (gt (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- fail (printf "%s.autoscaling.minReplicas (%d) exceeds %s.autoscaling.maxReplicas (%d)" $name (int $a.minReplicas) $name (int $a.maxReplicas)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Pod template of a service. Parameters: root, component, svc (its values), container (the container
name), gatewayIndex (bool: RCCS_GATEWAY_INSTANCE from the pod ordinal), database (bool: PostgreSQL
credentials), startupFailureThreshold (startup probe attempts, 2 s apart).
*/}}
{{- define "rccs.podTemplate" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
metadata:
  labels:
    {{- include "rccs.podLabels" . | nindent 4 }}
  annotations:
    # restarts the pods when their settings change
    checksum/config: {{ printf "%s\n%s" (include "rccs.infrastructureData" $root) (include "rccs.serviceConfigData" .) | sha256sum }}
    {{- with $svc.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "rccs.fullname" . }}
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds }}
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  {{- with $svc.affinity }}
  affinity:
    {{- tpl (toYaml .) $root | nindent 4 }}
  {{- end }}
  {{- with $svc.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- tpl (toYaml .) $root | nindent 4 }}
  {{- end }}
  {{- with $svc.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $svc.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ .container }}
      image: {{ include "rccs.image" . }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      ports:
        - name: http
          containerPort: 8080
          protocol: TCP
      env:
        - name: QUARKUS_HTTP_HOST
          value: 0.0.0.0
        - name: QUARKUS_HTTP_PORT
          value: "8080"
        {{- if .gatewayIndex }}
        # the StatefulSet ordinal (label set by Kubernetes >= 1.28) is the gateway index
        - name: RCCS_GATEWAY_INSTANCE
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
        {{- end }}
        {{- if .database }}
        - name: QUARKUS_DATASOURCE_USERNAME
          valueFrom:
            secretKeyRef:
              name: {{ $root.Values.postgres.secretName }}
              key: username
        - name: QUARKUS_DATASOURCE_PASSWORD
          valueFrom:
            secretKeyRef:
              name: {{ $root.Values.postgres.secretName }}
              key: password
        {{- end }}
        {{- with $root.Values.redis.secretName }}
        - name: QUARKUS_REDIS_PASSWORD
          valueFrom:
            secretKeyRef:
              name: {{ . }}
              key: password
              optional: true
        {{- end }}
        {{- with $svc.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      envFrom:
        - configMapRef:
            name: {{ include "rccs.fullname" (dict "root" $root "component" "infrastructure") }}
        - configMapRef:
            name: {{ include "rccs.fullname" . }}
      resources:
        {{- toYaml $svc.resources | nindent 8 }}
      {{- if .database }}
      # Flyway migrates the service's schema at start (one replica at a time: Flyway's lock)
      {{- end }}
      startupProbe:
        httpGet:
          path: /q/health/started
          port: http
        periodSeconds: 2
        failureThreshold: {{ .startupFailureThreshold }}
      livenessProbe:
        httpGet:
          path: /q/health/live
          port: http
        periodSeconds: 10
        timeoutSeconds: 3
        failureThreshold: 3
      readinessProbe:
        httpGet:
          path: /q/health/ready
          port: http
        periodSeconds: 5
        timeoutSeconds: 3
        failureThreshold: 2
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: ["ALL"]
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir: {}
{{- end -}}


{{/*
A file's content as a YAML scalar that keeps it byte for byte: a literal block where the content
allows one (one trailing newline: "|", none: "|-"), else a quoted string. Parameters: content, indent.
*/}}
{{- define "rccs.fileScalar" -}}
{{- $c := .content -}}
{{- $plain := and $c (not (hasPrefix " " $c)) (not (hasPrefix "\n" $c)) (not (contains "\r" $c)) (not (contains "\t" $c)) -}}
{{- if and $plain (hasSuffix "\n" $c) (not (hasSuffix "\n\n" $c)) -}}
|{{ trimSuffix "\n" $c | nindent .indent }}
{{- else if and $plain (not (hasSuffix "\n" $c)) -}}
|-{{ $c | nindent .indent }}
{{- else -}}
{{ toJson $c }}
{{- end -}}
{{- end -}}
