// A Vue 3 page embedding the element the way the README shows: a template (compiled by Vue's full
// build in the page) where the tag is declared a custom element, attributes bound from Vue state,
// `strings` bound as a property (`.prop`: an object is no attribute, and before the element's
// class is defined Vue could not tell it is a property), and `@happening-hold` as the listener.
// Built by test/frameworks.test.ts; only the types come from the widget's sources.
import { computed, createApp, defineComponent, ref } from 'vue';
import type { HoldDetail } from '../../src/happening-seat-picker/events.js';
import type { Strings } from '../../src/happening-seat-picker/strings.js';

const french: Partial<Strings> = {
  connectionLive: 'En direct',
  seatLabel: 'Rang {row}, place {seat}, {category}, {price}, {status}',
  statusSelected: 'choisie par vous',
};
// The partner's own wording from the first render, so a binding lost before the upgrade shows.
const english: Partial<Strings> = { statusSelected: 'in your basket' };

const TicketsPage = defineComponent({
  props: {
    server: { type: String, required: true },
    eventId: { type: String, required: true },
  },
  setup() {
    const held = ref<string[]>([]);
    const inFrench = ref(false);
    return {
      held,
      inFrench,
      locale: computed(() => (inFrench.value ? 'fr-FR' : 'en-US')),
      strings: computed(() => (inFrench.value ? french : english)),
      onHold: (event: CustomEvent<HoldDetail>) => {
        held.value = event.detail.hold.seats;
      },
    };
  },
  template: `
    <main>
      <h1>Vue partner page</h1>
      <button id="vue-language" type="button" @click="inFrench = !inFrench">
        {{ inFrench ? 'English' : 'Français' }}
      </button>
      <p v-if="held.length" id="vue-reminder">Your seats are waiting for you below.</p>
      <happening-seat-picker
        :event-id="eventId"
        publishable-key="pk_test"
        :server="server"
        :locale="locale"
        :strings.prop="strings"
        @happening-hold="onHold"
      ></happening-seat-picker>
      <p id="vue-held">{{ held.length ? 'Vue saw: ' + held.join(', ') : 'Vue saw nothing yet' }}</p>
    </main>`,
});

const mount = document.getElementById('root')!;
const app = createApp(TicketsPage, { server: mount.dataset.server!, eventId: mount.dataset.event! });
// Vue's in-page compiler would treat a tag already in `customElements` as custom by itself, but
// the app may render before the widget's script has run (and a build-time compile, as for .vue
// files, never sees the registry): without this Vue looks for a component of that name and warns.
app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('happening-');
app.mount(mount);
