/** The bundle partners load: defines <happening-seat-picker>. */
export * from './happening-seat-picker/seat-picker.js';
