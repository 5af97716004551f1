/**
 * The server's record of every request it answered: kept in memory and, when a log file is given,
 * appended to it as one JSON line per request, written before the last byte of the reply is sent (so a
 * client that has its answer can read the line).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Api } from './request.js';
import type { Usage } from './usage.js';

/** How an exchange ended. */
export type Outcome =
  | 'ok' //           the reply was sent whole
  | 'error' //        a scripted error status was sent
  | 'cut' //          the stream was cut after `cut_after_chunks` events
  | 'aborted' //      the client went away before the reply was finished
  | 'unmatched' //    no reply in the script fits the request (HTTP 400)
  | 'bad_request' //  the request could not be read (HTTP 400)
  | 'unauthorized' // the script has an `api_key` and the request did not send it (HTTP 401)
  | 'not_found'; //   no such endpoint or model (HTTP 404)

export interface LoggedRequest {
  /** 1-based, in order of arrival. */
  readonly seq: number;
  /** When the request arrived (ISO 8601). */
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly api: Api | null;
  readonly model: string | null;
  readonly stream: boolean;
  /** The reply's `name` (or `#N`), or null when none answered. */
  readonly reply: string | null;
  /** The reply's 0-based position in the script, or null. */
  readonly reply_index: number | null;
  readonly status: number;
  readonly outcome: Outcome;
  /** The usage the client was sent; null when none was (no usage asked for, cut before it, error). */
  readonly usage: Usage | null;
  /** Streaming only: how many events were written. */
  readonly events: number | null;
  /** The error message sent, if any. */
  readonly error: string | null;
  /** The request body as received (parsed JSON, or the raw text if it was not JSON). */
  readonly body: unknown;
}

export class RequestLog {
  private readonly entries: LoggedRequest[] = [];

  constructor(private readonly file?: string) {
    if (file !== undefined) writeFileSync(file, '');
  }

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.file !== undefined) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }

  /** Every request answered so far, in the order their answers were finished. */
  all(): LoggedRequest[] {
    return [...this.entries];
  }
}
