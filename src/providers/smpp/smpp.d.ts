// Minimal types for the untyped `smpp` package (0.5.x): only what otpgate uses. PDU fields are
// dynamic (one per SMPP parameter/TLV), so they are `unknown` and narrowed where read.
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  namespace smpp {
    interface PDU {
      command: string;
      command_id: number;
      command_status: number;
      sequence_number: number;
      isResponse(): boolean;
      response(options?: Record<string, unknown>): PDU;
      [field: string]: unknown;
    }

    type PduCallback = (pdu: PDU) => void;

    interface Session extends EventEmitter {
      socket: Socket;
      send(pdu: PDU, responseCallback?: PduCallback, sendCallback?: PduCallback): boolean;
      bind_transceiver(options: Record<string, unknown>, responseCallback?: PduCallback): boolean;
      submit_sm(options: Record<string, unknown>, responseCallback?: PduCallback): boolean;
      deliver_sm(options: Record<string, unknown>, responseCallback?: PduCallback): boolean;
      enquire_link(options?: Record<string, unknown> | PduCallback, responseCallback?: PduCallback): boolean;
      unbind(options?: Record<string, unknown> | PduCallback, responseCallback?: PduCallback): boolean;
      pause(): void;
      resume(): void;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
    }

    interface Server extends NetServer {
      sessions: Session[];
    }

    interface ConnectOptions {
      host: string;
      port: number;
      tls?: boolean;
      auto_enquire_link_period?: number;
    }

    interface TextEncoding {
      match(value: string): boolean;
      encode(value: string): Buffer;
      decode(value: Buffer): string;
    }

    const PDU: new (command: string, options?: Record<string, unknown>) => PDU;
    function connect(options: ConnectOptions, listener?: () => void): Session;
    function createServer(listener?: (session: Session) => void): Server;
    function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;
    const errors: Readonly<Record<string, number>>;
    const encodings: { ASCII: TextEncoding; LATIN1: TextEncoding; UCS2: TextEncoding };
  }

  export = smpp;
}
