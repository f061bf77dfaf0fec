// Small pieces shared by the screens. Text from the server goes in as children or
// attributes only: Preact escapes it.
import { useLang } from './context';
import type { Incident, Severity, Status } from './types';

export function SeverityBadge({ severity }: { severity: Severity | string }) {
  const { m } = useLang();
  const known = severity in m.sev;
  return <span class={`sev sev-${known ? severity : 'unknown'}`}>{known ? m.sev[severity as Severity] : String(severity)}</span>;
}

export function StatusBadge({ status }: { status: Status | string }) {
  const { m } = useLang();
  const known = status in m.st;
  return <span class={`status st-${known ? status : 'unknown'}`}>{known ? m.st[status as Status] : String(status)}</span>;
}

export function Place({ incident }: { incident: Incident }) {
  const { m } = useLang();
  const s = incident.source ?? {};
  const site = s.site || '';
  const device = s.asset || s.host || '';
  if (!site && !device) return <span class="muted">{m.unknown_place}</span>;
  return (
    <span class="place">
      {site && <span class="site">{site}</span>}
      {device && <span class="device">{device}</span>}
    </span>
  );
}

export function ErrorBox({ error, onRetry }: { error: string; onRetry?: () => void }) {
  const { m } = useLang();
  return (
    <div class="error" role="alert">
      <strong>{m.error}:</strong> {error}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {m.retry}
        </button>
      )}
    </div>
  );
}
