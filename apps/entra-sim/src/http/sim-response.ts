/** What a handler answers; the server writes it (JSON unless a content type says otherwise). */
export interface SimResponse {
  status: number;
  body: string;
  headers?: Record<string, string>;
}
