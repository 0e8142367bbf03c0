import { FORM_TYPE, JSON_TYPE, type EventFields } from '../../webhook/parse-body.js';

export type EventFormat = 'json' | 'form';

export interface EncodedEvent {
  body: string;
  contentType: string;
}

/**
 * The body SMTP2Go would post for the webhook's `output_format`. Form bodies repeat `recipients` once per
 * address, and (as captured live) carry `Message-Id` and `Subject` as well as the lowercase spellings.
 */
export function encodeEvent(fields: EventFields, format: EventFormat): EncodedEvent {
  if (format === 'json') return { body: JSON.stringify(fields), contentType: JSON_TYPE };
  const params = new URLSearchParams();
  const messageId = fields['message-id'];
  const subject = fields.subject;
  if (typeof messageId === 'string') params.append('Message-Id', messageId);
  if (typeof subject === 'string') params.append('Subject', subject);
  for (const [key, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  }
  return { body: params.toString(), contentType: FORM_TYPE };
}
