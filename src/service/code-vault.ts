import { CodeCipher, CodeHasher, type Verification } from '../core/index.js';

/** Both ways the pepper protects a code: the HMAC checked on verify and the ciphertext failover resends. */
export class CodeVault {
  private readonly hasher: CodeHasher;
  private readonly cipher: CodeCipher;

  constructor(pepper: string) {
    this.hasher = new CodeHasher(pepper);
    this.cipher = new CodeCipher(pepper);
  }

  seal(
    v: Pick<Verification, 'id' | 'destination' | 'purpose'>,
    code: string,
  ): { codeHash: Buffer; codeCipher: Buffer } {
    return {
      codeHash: this.hasher.hash(
        { verificationId: v.id, destination: v.destination, purpose: v.purpose },
        code,
      ),
      codeCipher: this.cipher.encrypt(code, v.id),
    };
  }

  hashCandidate(v: Pick<Verification, 'id' | 'destination' | 'purpose'>, candidate: string): Buffer {
    return this.hasher.hash(
      { verificationId: v.id, destination: v.destination, purpose: v.purpose },
      candidate,
    );
  }

  reveal(v: Pick<Verification, 'id' | 'codeCipher'>): string {
    return this.cipher.decrypt(v.codeCipher, v.id);
  }
}
