/**
 * Which producer a live store shows: one followed producer (`follow(id)`, e.g. the presenter's own
 * audio producer), or — until one is followed — whichever producer's events arrive, starting over
 * (`onSwitch`) when another one appears. Shared by the voice, language and body stores.
 */
export class ProducerFilter {
  #producerId: string | null = null;
  #following = false;
  readonly #onSwitch: () => void;

  /** @param onSwitch clears the store's data; called before the filter switches to another producer. */
  constructor(onSwitch: () => void) {
    this.#onSwitch = onSwitch;
  }

  /** Producer whose events are shown (null: none yet). */
  get producerId(): string | null {
    return this.#producerId;
  }

  /** Whether a producer was followed (only its events are accepted). */
  get following(): boolean {
    return this.#following;
  }

  /**
   * Accepts only `producerId`'s events from now on; a different id than the current one calls
   * `onSwitch` first. `null` accepts any producer again (switching whenever another one sends).
   */
  follow(producerId: string | null): void {
    this.#following = producerId !== null;
    if (producerId !== null && producerId !== this.#producerId) {
      this.#onSwitch();
      this.#producerId = producerId;
    }
  }

  /** Forgets the current producer (the store was reset); the next event's producer is taken up. */
  clear(): void {
    this.#producerId = null;
  }

  /**
   * Whether an event of `producerId` is shown. When following, only the followed producer's;
   * otherwise any, switching (with `onSwitch`) to a producer other than the current one.
   */
  accept(producerId: string): boolean {
    if (this.#producerId === producerId) return true;
    if (this.#following) return false;
    this.#onSwitch();
    this.#producerId = producerId;
    return true;
  }

  /** Whether an event of `producerId` belongs to what is shown, without switching (e.g. a late pause). */
  matches(producerId: string): boolean {
    return !this.#following || producerId === this.#producerId;
  }
}
