import { CodeCipher, CodeHasher, digestsEqual, type Verification } from '../core/index.js';

type Binding = Pick<Verification, 'id' | 'destination' | 'purpose'>;

/** Both ways the pepper protects a code: the HMAC checked on verify and the ciphertext failover resends. */
export class CodeVault {
  private readonly hasher: CodeHasher;
  private readonly cipher: CodeCipher;

  constructor(pepper: string) {
    this.hasher = new CodeHasher(pepper);
    this.cipher = new CodeCipher(pepper);
  }

  seal(v: Binding, code: string): { codeHash: Buffer; codeCipher: Buffer } {
    return { codeHash: this.hashCandidate(v, code), codeCipher: this.cipher.encrypt(code) };
  }

  hashCandidate(v: Binding, candidate: string): Buffer {
    return this.hasher.hash(
      { verificationId: v.id, destination: v.destination, purpose: v.purpose },
      candidate,
    );
  }

  /**
   * The sealed code of `v`. Throws when it is not the code `v`'s hash was made of: a ciphertext
   * copied from another row, or a file read with another pepper, is never sent on.
   */
  reveal(v: Binding & Pick<Verification, 'codeHash' | 'codeCipher'>): string {
    const code = this.cipher.decrypt(v.codeCipher, v.id);
    if (!digestsEqual(this.hashCandidate(v, code), v.codeHash)) {
      throw new Error(`the sealed code of ${v.id} does not match its hash`);
    }
    return code;
  }
}
