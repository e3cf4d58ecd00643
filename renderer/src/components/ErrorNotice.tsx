import { ApiCallError } from '../api-client.js';

/** An inline, readable error: the message, then where exactly the problem is. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (error === null || error === undefined) return null;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiCallError ? error.details.filter((line) => line !== message) : [];
  return (
    <div className="notice notice-error" role="alert">
      {title ? <strong>{title} </strong> : null}
      <span>{message}</span>
      {details.length > 0 ? (
        <ul>
          {details.slice(0, 8).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
